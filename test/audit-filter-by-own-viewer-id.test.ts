import { startStack, type Stack } from './support/stack';

/**
 * API.md: an event's `actor` is the caller's principal id exactly as `viewer.id` returns it, so
 * `auditEvents(filter: { actor: <viewer.id> })` finds the caller's own events — for a token, for
 * the root token, and for the kms.decrypt the secrets service runs on a caller's behalf.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'audit-own-actor', kms: true, secrets: true });
});
afterAll(() => stack?.stop());

const MINE = `query($actor: String!) { auditEvents(filter: { actor: $actor }) { nodes { action outcome actor via resource } } }`;

test('filtering by viewer.id finds the caller’s events, including those written on its behalf and its denials', async () => {
  await stack.ok(`mutation { createKmsKey(input: { identity: "own", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "own/s", kmsKeyIdentity: "own", value: "v1" }) { path } }`);
  const t = await stack.token(['secrets:read_value', 'audit:read']);
  const viewer = (await stack.ok(`{ viewer { id } }`, {}, { token: t.token })).viewer.id;
  expect(viewer).toBe(t.id);
  await stack.ok(`{ getSecretValue(path: "own/s") { value } }`, {}, { token: t.token });
  const denied = await stack.gql(`{ secrets { nodes { path } } }`, {}, { token: t.token });
  expect(denied.status).toBe(403);

  const mine = (await stack.ok(MINE, { actor: viewer }, { token: t.token })).auditEvents.nodes;
  expect(mine.map((e: any) => [e.action, e.outcome, e.via ?? null]).sort()).toEqual(
    [['auth.denied', 'DENIED', null], ['kms.decrypt', 'SUCCESS', 'secrets'], ['secrets.get_value', 'SUCCESS', null]].sort(),
  );
  expect(mine.every((e: any) => e.actor === viewer)).toBe(true);

  const rootId = (await stack.ok(`{ viewer { id } }`)).viewer.id;
  expect(rootId).toBe('root');
  const rootEvents = (await stack.ok(MINE, { actor: rootId })).auditEvents.nodes;
  expect(rootEvents.map((e: any) => e.action)).toEqual(expect.arrayContaining(['kms.create_key', 'secrets.create', 'kms.encrypt', 'auth.token_created']));
  expect(rootEvents.every((e: any) => e.actor === 'root')).toBe(true);
});
