import { fork, spawnSync } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { freePorts } from './procs';

export interface BenchRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * A private redis-server for one bench run, on a free port, without persistence (like CI's), so
 * nothing but the bench touches its keyspace. It runs under redisKeeper (a forked process that
 * kills it when the bench goes away). Null, with a log line, on a machine without redis-server:
 * the run then uses REDIS_URL.
 */
export async function startBenchRedis(log: (m: string) => void): Promise<BenchRedis | null> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    log('no redis-server binary here: using the Redis at REDIS_URL (shared with whatever else runs on it)');
    return null;
  }
  const [port] = await freePorts(1);
  // DEBUG from localhost only: reveal-1m reads whether the key table is still rehashing (DEBUG HTSTATS).
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp', '--enable-debug-command', 'local'];
  const keeper = fork(path.join(__dirname, 'redisKeeper.js'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url, keeper);
  log(`started the bench's own redis-server on 127.0.0.1:${port} (no persistence)`);
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (keeper.exitCode !== null || keeper.signalCode !== null) return resolve();
      keeper.once('exit', () => resolve());
      keeper.kill('SIGTERM');
    }),
  };
}

async function waitForPing(url: string, keeper: ReturnType<typeof fork>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (keeper.exitCode !== null) throw new Error(`the bench's redis-server exited at start (${keeper.exitCode})`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      /* not listening yet */
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the bench\'s redis-server did not answer PING within 5 s');
}
