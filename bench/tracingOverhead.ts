/*
 * Cost of tracing: `encrypt` 256 B and `getSecretValue` through the gateway with tracing off vs
 * on (OTEL_EXPORTER_OTLP_ENDPOINT at a local collector in this process, every request sampled).
 * `tsc -b bench && APOLLO_TELEMETRY_DISABLED=1 node dist/bench/tracingOverhead.js [seconds] [concurrency]`.
 *
 * The stack runs in a child process (one per round, so an "off" round never inherits the "on"
 * round's registered provider); the load runs here. Rounds alternate off / on so that a noisy
 * neighbour hits both; the ratio on/off is what to read, not the absolute rates.
 * Writes only under a fresh `bench:trace:<random>:` prefix and deletes it at the end.
 */
import '../shared/telemetryOff';
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../shared/config';
import { HEADER } from '../shared/http';
import { createRedis, deleteByPrefix } from '../shared/redis';
import { LocalStack } from '../test/support/localStack';
import { drive, HttpClient, percentile } from './loadgen';

const ENCRYPT = `mutation($i: EncryptInput!) { encrypt(input: $i) { keyVersion ciphertext } }`;
const REVEAL = `query { getSecretValue(path: "bench/db") { value } }`;

interface Ready {
  url: string;
  token: string;
}

async function child(prefix: string, endpoint: string): Promise<void> {
  const stack = await new LocalStack({
    keyPrefix: prefix,
    redisUrl: process.env.REDIS_URL,
    kms: true,
    secrets: true,
    env: { RATE_LIMIT_TOKEN_PER_MINUTE: '0', RATE_LIMIT_PROJECT_PER_MINUTE: '0', ...(endpoint === 'off' ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }) },
  }).start();
  await stack.ok(`mutation { createKmsKey(input: { identity: "bench-key", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "bench/db", kmsKeyIdentity: "bench-key", value: "bench value" }) { path } }`);
  process.send!({ url: stack.gatewayUrl, token: stack.rootToken } satisfies Ready);
  process.on('message', (m) => {
    // CPU the stack's process used so far (µs): per request, it does not depend on what the neighbours do.
    if (m === 'cpu') return process.send!(process.cpuUsage());
    void stack.stop().then(() => process.exit(0));
  });
}

async function round(prefix: string, endpoint: string, seconds: number, concurrency: number) {
  const proc = fork(__filename, ['--child', prefix, endpoint], { env: { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' } });
  const ready = await new Promise<Ready>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Ready));
    proc.once('exit', (code) => reject(new Error(`stack exited ${code}`)));
  });
  const client = new HttpClient(concurrency);
  const auth = { authorization: `Bearer ${ready.token}`, [HEADER.region]: 'us-east-1' };
  const plaintext = randomBytes(256).toString('base64');
  const ops = {
    encrypt: client.gqlOp(ready.url, auth, ENCRYPT, { i: { keyIdentity: 'bench-key', plaintext } }),
    getSecretValue: client.gqlOp(ready.url, auth, REVEAL),
  };
  const cpu = () => new Promise<number>((resolve) => {
    proc.once('message', (u) => resolve((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system));
    proc.send('cpu');
  });
  const out: Record<string, { rate: number; p50: number; p99: number; errors: number; cpuUsPerOp: number }> = {};
  for (const [name, op] of Object.entries(ops)) {
    await drive(op, { concurrency, durationMs: 500, maxOps: Infinity }); // warm-up
    const before = await cpu();
    const s = await drive(op, { concurrency, durationMs: seconds * 1000, maxOps: Infinity });
    const used = (await cpu()) - before;
    const sorted = [...s.latenciesMs].sort((a, b) => a - b);
    out[name] = { rate: s.ops / (s.elapsedMs / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors: s.errors, cpuUsPerOp: used / s.ops };
  }
  client.close();
  proc.send('stop');
  await new Promise((r) => proc.once('exit', r));
  return out;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const concurrency = Number(process.argv[3] ?? 32);
  const prefix = `bench:trace:${randomBytes(4).toString('hex')}:`;
  let exports = 0;
  let bytes = 0;
  const collector = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const results: Record<string, Record<string, number[]>> = {};
  try {
    for (let i = 0; i < 3; i++) {
      for (const mode of ['off', 'on'] as const) {
        // A prefix per round: each stack has fresh KMS root keys.
        const r = await round(`${prefix}${mode}${i}:`, mode === 'off' ? 'off' : endpoint, seconds, concurrency);
        for (const [op, v] of Object.entries(r)) {
          ((results[op] ??= {})[`${mode}.rate`] ??= []).push(v.rate);
          (results[op][`${mode}.p99`] ??= []).push(v.p99);
          (results[op][`${mode}.cpu`] ??= []).push(v.cpuUsPerOp);
          if (v.errors > 0) console.log(`${mode} ${op}: ${v.errors} errors`);
        }
        console.log(`round ${i + 1} ${mode}: ${Object.entries(r).map(([op, v]) => `${op} ${v.rate.toFixed(0)}/s ${v.cpuUsPerOp.toFixed(0)} µs CPU/req p50 ${v.p50.toFixed(1)} p99 ${v.p99.toFixed(1)} ms`).join(' | ')}`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`\nc=${concurrency}, ${seconds}s per case, 3 alternating rounds (median); collector got ${exports} exports, ${(bytes / 1e6).toFixed(1)} MB`);
    console.log('| operation | off req/s | on req/s | on/off | stack CPU µs/req off | on | on/off | off p99 ms | on p99 ms |\n|---|---|---|---|---|---|---|---|---|');
    for (const [op, v] of Object.entries(results)) {
      const off = median(v['off.rate']);
      const on = median(v['on.rate']);
      const cOff = median(v['off.cpu']);
      const cOn = median(v['on.cpu']);
      console.log(`| ${op} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(on / off).toFixed(2)} | ${cOff.toFixed(0)} | ${cOn.toFixed(0)} | ${(cOn / cOff).toFixed(2)} | ${median(v['off.p99']).toFixed(1)} | ${median(v['on.p99']).toFixed(1)} |`);
    }
  } finally {
    collector.close();
    const redis = createRedis(loadConfig({ INTERNAL_SECRET: 'x'.repeat(32), REDIS_URL: process.env.REDIS_URL }).redis);
    await deleteByPrefix(redis, prefix);
    redis.disconnect();
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
  });
}
