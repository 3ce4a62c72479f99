import { loadConfig } from '../shared/config';
import { createRedis } from '../shared/redis';
import { readKmsKeyDump, scanKmsKeys } from '../subgraphs/kms/store/keyBackup';
import { readSecretDump, scanSecrets } from '../subgraphs/secrets/store/secretBackup';
import { writeBackupFile, type BackupRecord } from './backupFile';
import { runCommand } from './runCommand';

/**
 * `npm run backup -- <file>`: every KMS key (metadata with its MAC, version list, WRAPPED
 * material) of every region and project, and every secret (metadata, version records,
 * ciphertexts) under REDIS_KEY_PREFIX, into one JSON-lines file with a checksum (backupFile.ts).
 * Nothing in it is readable without the regions' KMS root keys, which it does not hold.
 * Tokens are not backed up: they are credentials, re-issued after a restore. Uses the same
 * environment as the services.
 */
async function main(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    process.stderr.write('usage: npm run backup -- <file>\n');
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  const redis = createRedis(config.redis);
  try {
    async function* records(): AsyncGenerator<BackupRecord> {
      for (const ref of await scanKmsKeys(redis)) {
        const d = await readKmsKeyDump(redis, ref);
        if (d) yield { type: 'kms-key', ...d };
      }
      for (const s of await scanSecrets(redis)) {
        const d = await readSecretDump(redis, s.project, s.path);
        if (d) yield { type: 'secret', ...d };
      }
    }
    const c = await writeBackupFile(args[0], records(), new Date());
    process.stdout.write(`backup: ${c.kmsKeys} keys (${c.kmsKeyVersions} versions) in ${c.regions.length} regions, ${c.secrets} secrets (${c.secretVersions} versions) in ${c.projects.length} projects\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

runCommand('backup', main);
