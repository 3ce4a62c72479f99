import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { RunningService } from '../shared/subgraphServer';
import { HoldProxy } from './support/holdProxy';
import { freePorts } from './support/ports';
import { postGql } from './support/gql';
import { startLocalGateway, startStack, type Stack } from './support/stack';

/**
 * The secrets subgraph as a real process (dist/subgraphs/secrets/index.js), killed with SIGKILL in
 * the middle of a reveal (its KMS answer held back by a proxy): the client gets 503
 * SERVICE_UNAVAILABLE at once, not after the gateway's timeout, and the gateway keeps serving.
 */
const SUBGRAPH_TIMEOUT_MS = 10_000;
const REVEAL = 'query($p: String!) { getSecretValue(path: $p) { value } }';

let stack: Stack;
let kmsProxy: HoldProxy;
let secrets: ChildProcess | null = null;
let gateway: RunningService;

beforeAll(async () => {
  stack = await startStack({ label: 'secrets-killed', kms: true, gateway: false });
  const kms = new URL(stack.kms('us-east-1').url);
  kmsProxy = await new HoldProxy({ host: kms.hostname, port: Number(kms.port) }).start();
  kmsProxy.release();
  const [port] = await freePorts(1);
  const regions = stack.baseEnv.REGIONS.replace(stack.kms('us-east-1').url, kmsProxy.url);
  secrets = spawn(process.execPath, [join(__dirname, '..', 'dist', 'subgraphs', 'secrets', 'index.js')], {
    // Long deadlines everywhere: only the process's death can end the reveal early.
    env: { ...process.env, ...stack.baseEnv, REGIONS: regions, PORT: String(port), HOST: '127.0.0.1', SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS), KMS_TIMEOUT_MS: '9000', LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error('secrets process did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  gateway = await startLocalGateway({ ...stack.baseEnv, ROOT_TOKEN: '', SECRETS_URL: `http://127.0.0.1:${port}/graphql`, SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS) });
}, 60_000);
afterAll(async () => {
  if (secrets && secrets.exitCode === null) secrets.kill('SIGKILL');
  await gateway?.stop();
  await kmsProxy.stop();
  await stack.stop();
});

it('SIGKILL mid-reveal → 503 SERVICE_UNAVAILABLE promptly; the gateway keeps serving', async () => {
  const gql = (q: string, v: Record<string, unknown> = {}) => postGql(gateway.url, q, v, { token: stack.rootToken });
  expect((await gql('mutation { createKmsKey(input: { identity: "killed-reveal", type: AES256_GCM96 }) { identity } }')).status).toBe(200);
  const created = await gql('mutation { createSecret(input: { path: "killed/db", kmsKeyIdentity: "killed-reveal", value: "v1" }) { path } }');
  expect(created.body).toEqual({ data: { createSecret: { path: 'killed/db' } } });

  kmsProxy.hold();
  const reveal = gql(REVEAL, { p: 'killed/db' });
  // The reveal is inside the secrets process, waiting for its KMS answer.
  const deadline = Date.now() + 10_000;
  while (kmsProxy.heldAnswers < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(kmsProxy.heldAnswers).toBeGreaterThanOrEqual(1);
  const killedAt = Date.now();
  secrets!.kill('SIGKILL');
  const r = await reveal;
  const afterKillMs = Date.now() - killedAt;
  expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code, data: r.body.data }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE', data: null });
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(afterKillMs).toBeLessThan(2000); // the gateway's own timeout is 10 s
  expect(JSON.stringify(r.body)).not.toContain('v1');

  // The gateway itself is unharmed: other subgraphs answer, and the dead one fails fast.
  expect((await gql('{ viewer { project } }')).body).toEqual({ data: { viewer: { project: 'default' } } });
  expect((await gql('query { kmsKey(identity: "killed-reveal") { identity } }')).body).toEqual({ data: { kmsKey: { identity: 'killed-reveal' } } });
  const again = await gql(REVEAL, { p: 'killed/db' });
  expect({ status: again.status, code: again.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  expect(again.elapsedMs).toBeLessThan(2000);
}, 60_000);
