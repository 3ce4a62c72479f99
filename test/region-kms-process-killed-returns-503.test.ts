import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startStack, type Stack } from './support/stack';

/**
 * eu-west-1's KMS as a real process (dist/subgraphs/kms/index.js), killed with SIGKILL while
 * requests are in flight: every request answers 200 or 503 REGION_UNAVAILABLE (never a hang,
 * never a 200 INTERNAL_SERVER_ERROR), us-east-1 keeps serving, and a restarted process recovers
 * with the same root key, so earlier ciphertexts still decrypt.
 */
let stack: Stack;
let kms: ChildProcess | null = null;
let port = 0;
const rootKey = randomBytes(32).toString('base64');

async function spawnKms(): Promise<void> {
  kms = spawn(process.execPath, [join(__dirname, '..', 'dist', 'subgraphs', 'kms', 'index.js')], {
    env: { ...process.env, ...stack.baseEnv, REGION: 'eu-west-1', PORT: String(port), HOST: '127.0.0.1', KMS_ROOT_KEY: rootKey, LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('kms process did not start');
}

beforeAll(async () => {
  stack = await startStack({ label: 'kms-killed', kms: true });
  port = stack.kms('eu-west-1').port;
  await stack.stopKms('eu-west-1');
  await spawnKms();
}, 60_000);
afterAll(async () => {
  if (kms && kms.exitCode === null) kms.kill('SIGKILL');
  await stack.stop();
});

const ENCRYPT = 'mutation($p: String!) { encrypt(input: { keyIdentity: "killed-key", plaintext: $p }) { ciphertext } }';

it('SIGKILL mid-traffic → 503 REGION_UNAVAILABLE within the timeout, other region unaffected; restart → recovers', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "killed-key", type: AES256_GCM96 }) { identity } }', {}, { region: 'eu-west-1' });
  await stack.ok('mutation { createKmsKey(input: { identity: "killed-key", type: AES256_GCM96 }) { identity } }', {}, { region: 'us-east-1' });
  const before = (await stack.ok(ENCRYPT, { p: 'YWJj' }, { region: 'eu-west-1' })).encrypt.ciphertext;

  // Traffic in flight while the process dies.
  const inFlight = Array.from({ length: 40 }, (_, i) =>
    new Promise((r) => setTimeout(r, i * 10)).then(async () => {
      const started = Date.now();
      const r = await stack.gql(ENCRYPT, { p: 'YWJj' }, { region: 'eu-west-1' });
      return { status: r.status, code: r.body.errors?.[0]?.extensions?.code ?? null, ms: Date.now() - started };
    }),
  );
  await new Promise((r) => setTimeout(r, 150));
  kms!.kill('SIGKILL');
  const results = await Promise.all(inFlight);
  for (const r of results) {
    expect([[200, null], [503, 'REGION_UNAVAILABLE']]).toContainEqual([r.status, r.code]);
    expect(r.ms).toBeLessThan(2500);
  }
  expect(results.some((r) => r.status === 503)).toBe(true);

  const down = await stack.gql(ENCRYPT, { p: 'YWJj' }, { region: 'eu-west-1' });
  expect({ status: down.status, ext: down.body.errors?.[0]?.extensions }).toMatchObject({ status: 503, ext: { code: 'REGION_UNAVAILABLE', region: 'eu-west-1' } });
  expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await stack.gql(ENCRYPT, { p: 'YWJj' }, { region: 'us-east-1' })).status).toBe(200);

  await spawnKms();
  let back = 0;
  for (let i = 0; i < 80 && back !== 200; i++) {
    back = (await stack.gql('mutation($c: String!) { decrypt(input: { keyIdentity: "killed-key", ciphertext: $c }) { plaintext } }', { c: before }, { region: 'eu-west-1' })).status;
    if (back !== 200) await new Promise((r) => setTimeout(r, 250));
  }
  expect(back).toBe(200);
}, 60_000);
