/*
 * What metrics + the access log cost: `encrypt` of 256 B through the gateway, on a stack with
 * METRICS=on ACCESS_LOG=on (A) and one with METRICS=off ACCESS_LOG=off (B), both in this process,
 * measured in alternating rounds (A B A B …) by autocannon in its own process at fixed
 * concurrency. Prints each round and the ratio A/B of the totals (absolute rates are noisy on a
 * shared machine; the ratio is what to read). The access log goes to this process's stdout: run
 * with `> /dev/null` (or a pipe to a collector) — results are printed on stderr.
 *
 *   npx tsc -b bench && APOLLO_TELEMETRY_DISABLED=1 node dist/bench/observabilityCost.js [rounds] [seconds] [concurrency] > /dev/null
 *
 * OBS_ONLY=on (or off) runs one stack only, e.g. under `node --cpu-prof` to see the share of CPU
 * the observability code takes (the load-independent measure on a busy machine).
 */
import '../shared/telemetryOff';
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRedis, deleteByPrefix } from '../shared/redis';
import { loadConfig } from '../shared/config';
import { LocalStack } from '../test/support/localStack';

const [rounds, seconds, concurrency] = [Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 4), Number(process.argv[4] ?? 16)];
const log = (s: string) => process.stderr.write(`${s}\n`);

function autocannon(url: string, token: string, body: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const bin = path.join(__dirname, '..', '..', 'node_modules', 'autocannon', 'autocannon.js');
  const args = [bin, '-c', String(concurrency), '-d', String(seconds), '-m', 'POST', '-H', 'content-type: application/json', '-H', `authorization: Bearer ${token}`, '-b', body, '--json', url];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      const r = JSON.parse(stdout);
      resolve({ rps: r.requests.total / (r.duration || seconds), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
    });
  });
}

async function main() {
  const run = `bench:obs:${randomBytes(4).toString('hex')}:`;
  const stacks: Partial<Record<'on' | 'off', LocalStack>> = {
    on: new LocalStack({ keyPrefix: `${run}on:`, kms: true, env: { METRICS: 'on', ACCESS_LOG: 'on', RATE_LIMIT_TOKEN_PER_MINUTE: '0', RATE_LIMIT_PROJECT_PER_MINUTE: '0' } }),
    off: new LocalStack({ keyPrefix: `${run}off:`, kms: true, env: { METRICS: 'off', ACCESS_LOG: 'off', RATE_LIMIT_TOKEN_PER_MINUTE: '0', RATE_LIMIT_PROJECT_PER_MINUTE: '0' } }),
  };
  const body = JSON.stringify({
    query: 'mutation($input: EncryptInput!) { encrypt(input: $input) { ciphertext } }',
    variables: { input: { keyIdentity: 'bench-key', plaintext: randomBytes(256).toString('base64') } },
  });
  const totals = { on: 0, off: 0 };
  const only = process.env.OBS_ONLY as 'on' | 'off' | undefined;
  if (only) delete stacks[only === 'on' ? 'off' : 'on'];
  try {
    for (const s of Object.values(stacks)) {
      await s!.start();
      await s!.ok(`mutation { createKmsKey(input: { identity: "bench-key", type: AES256_GCM96 }) { identity } }`);
      await autocannon(s!.gatewayUrl, s!.rootToken, body); // warm-up
    }
    for (let i = 0; i < rounds; i++) {
      for (const which of (i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) {
        const s = stacks[which];
        if (!s) continue;
        const r = await autocannon(s.gatewayUrl, s.rootToken, body);
        totals[which] += r.rps;
        log(`round ${i + 1} ${which.padEnd(3)}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}`);
      }
    }
    log(`encrypt 256 B, c=${concurrency}, ${rounds}×${seconds} s each: metrics+access log on / off = ${(totals.on / totals.off).toFixed(3)} (${(totals.on / rounds).toFixed(0)} vs ${(totals.off / rounds).toFixed(0)} req/s)`);
  } finally {
    for (const s of Object.values(stacks)) await s!.stop();
    const redis = createRedis(loadConfig({ INTERNAL_SECRET: 'x'.repeat(32), REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).redis);
    await deleteByPrefix(redis, run);
    redis.disconnect();
  }
}

main().then(() => process.exit(0), (err) => {
  log(String(err));
  process.exit(1);
});
