import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { startKmsSubgraph } from '../subgraphs/kms/server';
import { postGql } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * Token lookups are reused by each process for at most TOKEN_CACHE_MS (≤ 1 s): two kms replicas of
 * one region (same Redis prefix), each asked directly, both refuse a token within 1 s of its
 * revocation, whether it was revoked through the API, by a cascade from its creator, with the
 * root token, or written straight into Redis (which no process hears of), and the replicas were
 * serving it from their caches until then.
 */
const WITHIN_MS = 1000;
const QUERY = '{ kmsKeys(first: 1) { nodes { identity } } }';

let stack: Stack;
let second: { services: Services; running: RunningService };
let replicas: string[];

beforeAll(async () => {
  stack = await startStack({ label: 'token-cache', kms: true, secrets: false });
  const config = stack.config({ REGION: 'us-east-1', KMS_ROOT_KEY: stack.kmsRootKeyOf('us-east-1') });
  const services = createServices('kms-us-east-1-b', config);
  second = { services, running: await startKmsSubgraph(services, { port: 0, host: '127.0.0.1', rootKey: config.kmsRootKey!, sweeper: false }) };
  replicas = [stack.kms('us-east-1').url, second.running.url];
}, 60_000);
afterAll(async () => {
  await second?.running.stop();
  second?.services.redis.disconnect();
  await stack?.stop();
});

/** A request sent straight to one replica (as the gateway would, with the internal secret). */
async function statusAt(url: string, token: string): Promise<number> {
  const r = await postGql(url, QUERY, {}, { token, headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET } });
  return r.status;
}

/**
 * After `revokedAt`, asks every replica until each has refused a request sent at least WITHIN_MS
 * later; returns, per replica, whether any request sent from revokedAt + WITHIN_MS on was admitted.
 */
async function admittedAfterWindow(token: string, revokedAt: number): Promise<{ url: string; lateAdmits: number; refused: boolean }[]> {
  return Promise.all(
    replicas.map(async (url) => {
      let lateAdmits = 0;
      let refused = false;
      for (;;) {
        const sentAt = Date.now();
        const status = await statusAt(url, token);
        const late = sentAt >= revokedAt + WITHIN_MS;
        if (late && status === 200) lateAdmits++;
        if (status === 401) refused = true;
        if (late && refused) return { url, lateAdmits, refused };
        if (sentAt > revokedAt + 10_000) return { url, lateAdmits, refused };
        await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
}

const expectRefusedWithinWindow = (rows: { lateAdmits: number; refused: boolean }[]) =>
  expect(rows.map((r) => ({ lateAdmits: r.lateAdmits, refused: r.refused }))).toEqual(replicas.map(() => ({ lateAdmits: 0, refused: true })));

it('a revocation written straight into Redis: both replicas still serve the token from cache, and refuse it within 1 s', async () => {
  const t = await stack.token(['kms:read']);
  for (const url of replicas) expect(await statusAt(url, t.token)).toBe(200);
  // No process is told: only the cache's age bounds how long the token still works.
  await stack.services.get('platform')!.redis.hset(`auth:token:{${t.id}}`, 'revoked', '1');
  const revokedAt = Date.now();
  // Served from each replica's cache (a fresh Redis read would refuse it): the cache is in use.
  for (const url of replicas) expect(await statusAt(url, t.token)).toBe(200);
  expectRefusedWithinWindow(await admittedAfterWindow(t.token, revokedAt));
});

it('revokeApiToken through the gateway, and the cascade to a token it created: both replicas refuse both within 1 s', async () => {
  const parent = await stack.token(['admin', 'kms:read']);
  const child = await stack.token(['kms:read'], { as: parent.token });
  for (const url of replicas) for (const t of [parent, child]) expect(await statusAt(url, t.token)).toBe(200);
  await stack.ok('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: parent.id });
  const revokedAt = Date.now();
  const [p, c] = await Promise.all([admittedAfterWindow(parent.token, revokedAt), admittedAfterWindow(child.token, revokedAt)]);
  expectRefusedWithinWindow(p);
  expectRefusedWithinWindow(c);
});

it('revoking the root token: the root value and what it created are refused by both replicas within 1 s', async () => {
  const made = await stack.token(['kms:read']);
  for (const url of replicas) for (const t of [stack.rootToken, made.token]) expect(await statusAt(url, t)).toBe(200);
  await stack.ok('mutation { revokeApiToken(id: "root") }');
  const revokedAt = Date.now();
  const [r, m] = await Promise.all([admittedAfterWindow(stack.rootToken, revokedAt), admittedAfterWindow(made.token, revokedAt)]);
  expectRefusedWithinWindow(r);
  expectRefusedWithinWindow(m);
});
