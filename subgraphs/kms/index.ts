import 'reflect-metadata';
import { ConfigError, loadConfig } from '../../shared/config';
import { runService } from '../../shared/runService';
import { resolveRootKey } from './rootKey';
import { startKmsSubgraph } from './server';

/** Process entry of one region's KMS: `REGION=us-east-1 node dist/subgraphs/kms/index.js`. */
runService(
  (config) => `kms-${config.region}`,
  () => {
    const config = loadConfig();
    if (!config.region) throw new ConfigError('REGION', 'is required for the kms subgraph');
    return config;
  },
  (services, config) => startKmsSubgraph(services, { port: config.port ?? 4101, rootKey: resolveRootKey(config, config.region!), previousRootKey: config.kmsPreviousRootKey }),
);
