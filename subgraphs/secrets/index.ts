import 'reflect-metadata';
import { loadConfig } from '../../shared/config';
import { runService } from '../../shared/runService';
import { startSecretsSubgraph } from './server';

runService('secrets', loadConfig, (services, config) => startSecretsSubgraph(services, { port: config.port ?? 4002 }));
