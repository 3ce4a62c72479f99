import { loadConfig } from '../shared/config';
import { createRedis } from '../shared/redis';
import { SecretStore } from '../subgraphs/secrets/store/secretStore';
import { runCommand } from './runCommand';

/**
 * `npm run repair-indexes -- <project> [<project>…]`: rebuilds the secrets indexes (all secrets
 * of a project, secrets bound to each key) from the secrets themselves. Indexes live in their own
 * keys (other cluster slots), so a crash between two writes can leave them behind; this puts
 * them back without touching any secret. Uses the same environment as the services.
 */
async function main(projects: string[]): Promise<number> {
  if (projects.length === 0) {
    process.stderr.write('usage: npm run repair-indexes -- <project> [<project>…]\n');
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  const redis = createRedis(config.redis);
  try {
    const store = new SecretStore(redis);
    for (const project of projects) {
      const r = await store.repairIndexes(project);
      process.stdout.write(`${project}: ${r.secrets} secrets, ${r.added} index entries added, ${r.removed} removed\n`);
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

runCommand('repair-indexes', main);
