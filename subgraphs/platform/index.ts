import 'reflect-metadata';
import { loadConfig } from '../../shared/config';
import { runService } from '../../shared/runService';
import { startPlatformSubgraph } from './server';

runService('platform', loadConfig, (services, config) => startPlatformSubgraph(services, { port: config.port ?? 4001 }));
