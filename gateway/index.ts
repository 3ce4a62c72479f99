import '../shared/telemetryOff';
import { loadConfig } from '../shared/config';
import { runService } from '../shared/runService';
import { startGateway } from './server';

runService('gateway', loadConfig, (services, config) => startGateway(config, { port: config.port ?? 4000, redis: services.redis }));
