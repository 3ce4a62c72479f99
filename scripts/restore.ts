import { loadConfig } from '../shared/config';
import { isKeyIdentity, isProjectName } from '../shared/identifiers';
import { isPathShaped } from '../subgraphs/secrets/domain/secretInput';
import { createRedis } from '../shared/redis';
import { kmsKeyExists, writeKmsKeyDump } from '../subgraphs/kms/store/keyBackup';
import { recountStoredBytes, secretExists, writeSecretDump } from '../subgraphs/secrets/store/secretBackup';
import { repairIndexes } from '../subgraphs/secrets/store/indexRepair';
import { BackupFileError, backupRecords, verifyBackupFile } from './backupFile';
import { runCommand } from './runCommand';

/**
 * `npm run restore -- <file> [--force]`: checks the file's checksum (a damaged file restores
 * nothing), refuses if any key or secret in it already exists (unless --force, which replaces
 * them), writes every record back verbatim, then rebuilds what derives from them: the KMS listing
 * index and keys quota, the secrets listing / bound-key indexes and the storedBytes counter.
 * Run it with the services stopped or idle. Uses the same environment as the services.
 */
async function main(args: string[]): Promise<number> {
  const force = args.includes('--force');
  const files = args.filter((a) => a !== '--force');
  if (files.length !== 1 || files[0].startsWith('-')) {
    process.stderr.write('usage: npm run restore -- <file> [--force]\n');
    return 64; // EX_USAGE
  }
  const file = files[0];
  let header;
  try {
    header = await verifyBackupFile(file);
  } catch (e) {
    if (e instanceof BackupFileError) {
      process.stderr.write(`restore: refused: ${e.message}; nothing was restored\n`);
      return 65; // EX_DATAERR
    }
    throw e;
  }
  const config = loadConfig();
  const redis = createRedis(config.redis);
  try {
    // The checksum finds damage, not intent: names are checked like the services check them,
    // so no record can write outside its own keys (a brace would break a hash tag).
    for await (const r of backupRecords(file)) {
      const ok = r.type === 'kms-key'
        ? config.regions.has(r.region) && isProjectName(r.project) && isKeyIdentity(r.identity)
        : isProjectName(r.project) && isPathShaped(r.path);
      if (!ok) {
        process.stderr.write(`restore: refused: a ${r.type} record has an invalid name or a region outside the registry; nothing was restored\n`);
        return 65; // EX_DATAERR
      }
    }
    if (!force) {
      // Checked before the first write, so a refusal leaves the store as it was.
      let existing = 0;
      for await (const r of backupRecords(file)) {
        if (r.type === 'kms-key' ? await kmsKeyExists(redis, r) : await secretExists(redis, r.project, r.path)) existing++;
      }
      if (existing > 0) {
        process.stderr.write(`restore: refused: ${existing} keys or secrets of the backup already exist (--force replaces them); nothing was restored\n`);
        return 73; // EX_CANTCREAT
      }
    }
    const projects = new Set<string>();
    let keys = 0;
    let secrets = 0;
    for await (const r of backupRecords(file)) {
      if (r.type === 'kms-key') {
        await writeKmsKeyDump(redis, r);
        keys++;
      } else {
        await writeSecretDump(redis, r);
        projects.add(r.project);
        secrets++;
      }
    }
    for (const p of projects) {
      await repairIndexes(redis, p);
      await recountStoredBytes(redis, p);
    }
    process.stdout.write(`restore: ${keys} keys, ${secrets} secrets restored (backup of ${header.createdAt}); tokens are not in a backup: issue new ones\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

runCommand('restore', main);
