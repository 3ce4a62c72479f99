import { startStack, type Stack } from './support/stack';

/**
 * A token can never outlive, nor survive, the token that created it: a child's expiry is capped at
 * its creator's, and revoking a token revokes everything it created, however deep, through the
 * gateway as a user meets it.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'token-lineage' });
});
afterAll(() => stack.stop());

const VIEWER = '{ viewer { id } }';
const INFO = 'query { apiTokens { id expiresAt revoked } }';

async function create(as: string, input: Record<string, unknown>): Promise<{ token: string; id: string; expiresAt: string | null }> {
  const r = await stack.gql('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token info { id expiresAt } } }', { input: { name: 'child', scopes: ['admin'], ...input } }, { token: as });
  if (!r.body.data?.createApiToken) throw new Error(`createApiToken failed: ${JSON.stringify(r.body.errors)}`);
  const c = r.body.data.createApiToken;
  return { token: c.token, id: c.info.id, expiresAt: c.info.expiresAt };
}

async function infoOf(id: string): Promise<{ id: string; expiresAt: string | null; revoked: boolean }> {
  const all = (await stack.ok(INFO)).apiTokens as { id: string; expiresAt: string | null; revoked: boolean }[];
  return all.find((t) => t.id === id)!;
}

it("a child's expiresAt is capped at its creator's: no expiry asked, or a later one, gets the creator's", async () => {
  const parent = await create(stack.rootToken, { name: 'one-day', expiresInDays: 1 });
  expect(parent.expiresAt).not.toBeNull();
  const forever = await create(parent.token, { name: 'no-expiry' });
  expect(forever.expiresAt).toBe(parent.expiresAt);
  const later = await create(parent.token, { name: 'thirty-days', expiresInDays: 30 });
  expect(later.expiresAt).toBe(parent.expiresAt);
  expect((await infoOf(forever.id)).expiresAt).toBe(parent.expiresAt);
  // A grandchild under the capped child is capped the same way.
  expect((await create(forever.token, { name: 'grandchild' })).expiresAt).toBe(parent.expiresAt);
  // The root token never expires: what it creates without an expiry never expires either.
  expect((await create(stack.rootToken, { name: 'root-child' })).expiresAt).toBeNull();
});

it('revoking a token revokes its children and grandchildren: each answers 401, shows revoked, and each revocation is audited', async () => {
  const parent = await create(stack.rootToken, { name: 'parent', scopes: ['admin', 'audit:read'] });
  const child = await create(parent.token, { name: 'child', scopes: ['admin', 'audit:read'] });
  const sibling = await create(parent.token, { name: 'sibling', scopes: ['audit:read'] });
  const grandchild = await create(child.token, { name: 'grandchild', scopes: ['audit:read'] });
  const unrelated = await create(stack.rootToken, { name: 'unrelated', scopes: ['audit:read'] });
  for (const t of [parent, child, sibling, grandchild]) expect((await stack.gql(VIEWER, {}, { token: t.token })).status).toBe(200);

  const rid = `revoke-tree-${parent.id}`;
  const rev = await stack.gql('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: parent.id }, { headers: { 'x-request-id': rid } });
  expect(rev.body.data?.revokeApiToken).toBe(true);

  for (const t of [parent, child, sibling, grandchild]) {
    const r = await stack.gql(VIEWER, {}, { token: t.token });
    expect({ id: t.id, status: r.status, code: r.body.errors?.[0].extensions?.code }).toEqual({ id: t.id, status: 401, code: 'UNAUTHENTICATED' });
    expect(await infoOf(t.id)).toMatchObject({ revoked: true });
  }
  expect((await stack.gql(VIEWER, {}, { token: unrelated.token })).status).toBe(200);
  expect(await infoOf(unrelated.id)).toMatchObject({ revoked: false });

  const ev = await stack.ok('query($r: String) { auditEvents(filter: { requestId: $r }) { nodes { action outcome resource actor } } }', { r: rid });
  const events = ev.auditEvents.nodes as { action: string; outcome: string; resource: string; actor: string }[];
  expect(events.map((e) => e.resource).sort()).toEqual([parent, child, sibling, grandchild].map((t) => `token:${t.id}`).sort());
  for (const e of events) expect(e).toMatchObject({ action: 'auth.token_revoked', outcome: 'SUCCESS', actor: 'root' });
});

it('a deep chain is revoked to its last link', async () => {
  const chain = [await create(stack.rootToken, { name: 'link-0' })];
  for (let i = 1; i < 20; i++) chain.push(await create(chain[i - 1].token, { name: `link-${i}` }));
  expect((await stack.gql(VIEWER, {}, { token: chain[19].token })).status).toBe(200);
  // Revoked from the middle: the links above stay, every link below goes.
  expect((await stack.ok('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: chain[5].id })).revokeApiToken).toBe(true);
  for (const [i, t] of chain.entries()) {
    expect({ i, status: (await stack.gql(VIEWER, {}, { token: t.token })).status }).toEqual({ i, status: i < 5 ? 200 : 401 });
    expect({ i, revoked: (await infoOf(t.id)).revoked }).toEqual({ i, revoked: i >= 5 });
  }
});

it('a child created while its creator is being revoked does not survive', async () => {
  for (let round = 0; round < 10; round++) {
    const parent = await create(stack.rootToken, { name: `racing-${round}` });
    const [made, rev] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, (_, i) => stack.gql('mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token info { id } } }', { input: { name: `racer-${i}`, scopes: ['admin'] } }, { token: parent.token }))),
      stack.gql('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: parent.id }),
    ]);
    expect(rev.body.data?.revokeApiToken).toBe(true);
    for (const m of made) {
      const c = m.body.data?.createApiToken;
      if (!c) {
        // Refused because the creator was revoked first: UNAUTHENTICATED, nothing usable made.
        expect(m.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
        continue;
      }
      expect({ round, status: (await stack.gql(VIEWER, {}, { token: c.token })).status }).toEqual({ round, status: 401 });
      expect(await infoOf(c.info.id)).toMatchObject({ revoked: true });
    }
  }
});
