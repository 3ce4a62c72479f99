import './telemetryOff';
import type { Config } from './config';
import { createServices, type Services } from './services';
import type { RunningService } from './subgraphServer';

/**
 * Process entry shared by every service: read config (a bad variable exits with a message naming
 * it), start, and stop cleanly on SIGTERM / SIGINT: drain (SHUTDOWN_GRACE_MS), then stop.
 */
export function runService(
  nameOf: string | ((config: Config) => string),
  load: () => Config,
  start: (services: Services, config: Config) => Promise<RunningService & { close?: () => Promise<void> }>,
): void {
  let name = typeof nameOf === 'string' ? nameOf : 'service';
  let config: Config;
  try {
    config = load();
    if (typeof nameOf === 'function') name = nameOf(config);
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  const services = createServices(name, config);
  Promise.resolve().then(() => start(services, config)).then(
    (running) => {
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        // Readiness 503 and no new connections first; requests in flight finish within the grace.
        await running.drain?.(config.shutdownGraceMs).catch(() => undefined);
        await running.stop().catch(() => undefined);
        services.redis.disconnect();
        process.exit(0);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err) => {
      process.stderr.write(`${name}: failed to start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
