import { startBlackHole, type BlackHole } from './support/blackHole';
import { startStack, type Stack } from './support/stack';

/**
 * Redis that accepts connections and never answers, behind the secrets service: the request fails
 * with STORE_UNAVAILABLE (Redis's own deadline comes first), not with the gateway giving up on the
 * subgraph, and well inside the gateway's timeout.
 */
let stack: Stack;
let hung: BlackHole;
beforeAll(async () => {
  hung = await startBlackHole();
  stack = await startStack({ label: 'redis-hang', kms: true, secrets: true, redisUrls: { secrets: `redis://127.0.0.1:${hung.port}` } });
});
afterAll(async () => {
  await stack.stop();
  await hung.stop();
});

it('a secrets query and a secrets mutation → 503 STORE_UNAVAILABLE within the subgraph timeout', async () => {
  for (const q of ['{ secret(path: "a/b") { path } }', 'mutation { deleteSecret(path: "a/b") }']) {
    const started = Date.now();
    const r = await stack.gql(q);
    const elapsed = Date.now() - started;
    expect({ q, status: r.status, code: r.body.errors?.[0].extensions?.code }).toEqual({ q, status: 503, code: 'STORE_UNAVAILABLE' });
    expect(elapsed).toBeLessThan(2000);
  }
  // Other subgraphs are unaffected.
  expect((await stack.gql('{ viewer { project } }')).status).toBe(200);
});
