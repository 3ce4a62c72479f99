import 'reflect-metadata';
import { loadConfig, ConfigError } from '../../shared/config';
import { createServices } from '../../shared/services';
import { resolveRootKey } from './rootKey';
import { startKmsSubgraph } from './server';

/** Process entry of one region's KMS: `REGION=us-east-1 node dist/subgraphs/kms/index.js`. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.region) throw new ConfigError('REGION', 'is required for the kms subgraph');
  const rootKey = resolveRootKey(config, config.region);
  const services = createServices(`kms-${config.region}`, config);
  const running = await startKmsSubgraph(services, { port: config.port ?? 4101, rootKey });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    services.log.info('stopping', { signal });
    try {
      await running.stop();
      await services.redis.quit();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`kms failed to start: ${err instanceof Error ? err.message : 'unknown error'}\n`);
  process.exit(1);
});
