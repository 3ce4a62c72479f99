import { createHash, randomBytes } from 'node:crypto';
import { startStack, type Stack } from './support/stack';

/**
 * revokeApiToken(id: "root") through the gateway: the configured root token answers 401 on every
 * subgraph from then on, what it created is revoked with it, the revocation is audited, and a
 * different ROOT_TOKEN works again. Redis holds only a marker keyed by the root token's hash.
 */
let stack: Stack;
beforeAll(async () => {
  // No keep-alive: the subgraphs restart under the gateway, which must not reuse a closed connection.
  stack = await startStack({ label: 'root-revoke', kms: true, secrets: true, gatewayOptions: { keepAlive: false } });
});
afterAll(() => stack.stop());

const REVOKE_ROOT = 'mutation { revokeApiToken(id: "root") }';

/** Restarts every subgraph with another ROOT_TOKEN (the gateway never holds it). */
async function configureRoot(value: string): Promise<void> {
  stack.baseEnv.ROOT_TOKEN = value;
  for (const name of ['platform', 'secrets', 'kms-us-east-1', 'kms-eu-west-1']) {
    await stack.stopService(name);
    await stack.restartService(name);
  }
}

it("another project's admin cannot revoke the root token; an admin of project default can", async () => {
  const acme = await stack.token(['admin'], { project: 'acme' });
  const denied = await stack.gql(REVOKE_ROOT, {}, { token: acme.token });
  expect({ status: denied.status, code: denied.body.errors?.[0].extensions?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  const auditor = await stack.token(['audit:read']);
  const noAdmin = await stack.gql(REVOKE_ROOT, {}, { token: auditor.token });
  expect(noAdmin.status).toBe(403);
  expect((await stack.gql('{ viewer { id } }')).status).toBe(200);
});

it('the revoked root value answers 401 on every subgraph, takes what it created with it, is audited, and a new ROOT_TOKEN works', async () => {
  const oldRoot = stack.rootToken;
  const child = await stack.token(['audit:read'], { project: 'acme' });
  const grandchildOf = await stack.token(['admin', 'audit:read']);
  const grandchild = await stack.token(['audit:read'], { as: grandchildOf.token });

  const rid = 'revoke-the-root';
  const rev = await stack.gql(REVOKE_ROOT, {}, { requestId: rid });
  expect(rev.body.data?.revokeApiToken).toBe(true);

  for (const [what, query, region] of [
    ['platform', '{ viewer { id } }', undefined],
    ['secrets', '{ secrets { nodes { path } } }', undefined],
    ['kms', '{ kmsKeys { nodes { identity } } }', 'eu-west-1'],
  ] as const) {
    const r = await stack.gql(query, {}, { token: oldRoot, region });
    expect({ what, status: r.status, code: r.body.errors?.[0].extensions?.code }).toEqual({ what, status: 401, code: 'UNAUTHENTICATED' });
  }
  for (const t of [child, grandchildOf, grandchild]) expect({ id: t.id, status: (await stack.gql('{ viewer { id } }', {}, { token: t.token })).status }).toEqual({ id: t.id, status: 401 });

  // Redis holds the revocation only under the root token's SHA-256, never the token itself.
  const redis = stack.services.get('platform')!.redis;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  expect(keys.some((k) => k.includes(createHash('sha256').update(oldRoot).digest('hex')))).toBe(true);
  for (const k of keys) {
    const bare = k.slice(stack.prefix.length);
    const type = await redis.type(bare);
    const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(bare)) : type === 'stream' ? JSON.stringify(await redis.xrange(bare, '-', '+')) : type === 'zset' || type === 'set' ? JSON.stringify(type === 'set' ? await redis.smembers(bare) : await redis.zrange(bare, 0, -1)) : type === 'string' ? String(await redis.get(bare)) : '';
    expect(k + dump).not.toContain(oldRoot);
  }

  // Still revoked after every service restarts with the same value (the marker lives in Redis).
  await configureRoot(oldRoot);
  expect((await stack.gql('{ viewer { id } }', {}, { token: oldRoot })).status).toBe(401);

  const newRoot = `root_${randomBytes(32).toString('base64url')}`;
  await configureRoot(newRoot);
  const viewer = await stack.gql('{ viewer { id project scopes } }', {}, { token: newRoot });
  expect(viewer.body.data?.viewer).toEqual({ id: 'root', project: 'default', scopes: ['*'] });
  expect((await stack.gql('{ viewer { id } }', {}, { token: oldRoot })).status).toBe(401);

  const ev = await stack.ok('query($r: String) { auditEvents(filter: { requestId: $r }) { nodes { action outcome resource actor project } } }', { r: rid }, { token: newRoot });
  const own = ev.auditEvents.nodes as { action: string; resource: string; actor: string; outcome: string }[];
  expect(own).toContainEqual({ action: 'auth.token_revoked', outcome: 'SUCCESS', resource: 'token:root', actor: 'root', project: 'default' });
  expect(own.map((e) => e.resource)).toEqual(expect.arrayContaining([`token:${grandchildOf.id}`, `token:${grandchild.id}`]));
  // The root-created token in another project is revoked in, and audited in, its own project.
  const acmeAdmin = await stack.token(['admin', 'audit:read'], { project: 'acme', as: newRoot });
  const acme = await stack.ok('query($r: String) { auditEvents(filter: { requestId: $r }) { nodes { action resource } } apiTokens { id revoked } }', { r: rid }, { token: acmeAdmin.token });
  expect(acme.auditEvents.nodes).toContainEqual({ action: 'auth.token_revoked', resource: `token:${child.id}` });
  expect(acme.apiTokens).toContainEqual({ id: child.id, revoked: true });
  expect(acme.apiTokens).toContainEqual({ id: acmeAdmin.id, revoked: false });

  // The denial of the revoked value is audited under the root's id.
  const denied = await stack.ok('{ auditEvents(filter: { action: "auth.denied", resource: "token:root" }) { nodes { actor errorCode } } }', {}, { token: newRoot });
  expect(denied.auditEvents.nodes).toContainEqual({ actor: 'root', errorCode: 'UNAUTHENTICATED' });
});
