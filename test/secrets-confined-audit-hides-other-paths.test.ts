import { startStack, type Stack } from './support/stack';

/**
 * A token confined to path prefixes, with audit:read, does not see `secret:<path>` events of paths
 * outside its prefixes (the path would leak); other events (keys, tokens) stay visible. The filter
 * runs inside the audit query's scan, so pages still fill up and pagination walks everything once.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'audit-confined', kms: true, secrets: true });
});
afterAll(() => stack.stop());

const PAGE = `query($after: String) {
  auditEvents(first: 3, after: $after) { nodes { id action resource } pageInfo { endCursor hasNextPage } }
}`;

type Ev = { id: string; action: string; resource: string };

async function walk(token: string): Promise<{ events: Ev[]; sizes: number[] }> {
  const events: Ev[] = [];
  const sizes: number[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const r: { auditEvents: { nodes: Ev[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } } } = await stack.ok(PAGE, { after }, { token });
    events.push(...r.auditEvents.nodes);
    sizes.push(r.auditEvents.nodes.length);
    if (!r.auditEvents.pageInfo.hasNextPage) return { events, sizes };
    after = r.auditEvents.pageInfo.endCursor;
  }
  throw new Error('pagination does not end');
}

it('secret events outside the prefixes are filtered inside the scan; pages stay full', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "aud-key", type: AES256_GCM96 }) { identity } }');
  // Interleave: for each team-a event, several of team-b and team-ab (a sibling, not under team-a).
  await stack.ok('mutation { createSecret(input: { path: "team-a", kmsKeyIdentity: "aud-key", value: "v" }) { path } }');
  for (let i = 0; i < 4; i++) {
    await stack.ok(`mutation { createSecret(input: { path: "team-a/s${i}", kmsKeyIdentity: "aud-key", value: "v" }) { path } }`);
    for (const other of ['team-b', 'team-ab']) {
      await stack.ok(`mutation { createSecret(input: { path: "${other}/s${i}", kmsKeyIdentity: "aud-key", value: "v" }) { path } }`);
      await stack.ok(`{ getSecretValue(path: "${other}/s${i}") { value } }`);
    }
  }
  const root = await walk(stack.rootToken);
  const t = await stack.token(['audit:read'], { pathPrefixes: ['team-a'] });
  const confined = await walk(t.token);

  const secretPaths = confined.events.filter((e) => e.resource.startsWith('secret:')).map((e) => e.resource);
  expect(secretPaths.length).toBeGreaterThan(0);
  for (const r of secretPaths) expect(r === 'secret:team-a' || r.startsWith('secret:team-a/')).toBe(true);
  // Exactly what root sees, minus the other paths' secret events, in the same order.
  const visible = root.events.filter((e) => !/^secret:team-(b|ab)\//.test(e.resource));
  const rootIds = new Set(root.events.map((e) => e.id));
  const confinedIds = confined.events.map((e) => e.id);
  expect(confinedIds.filter((id) => rootIds.has(id))).toEqual(visible.map((e) => e.id));
  // Only events newer than the root walk (the confined token's own creation) come on top.
  expect(confined.events.filter((e) => !rootIds.has(e.id)).map((e) => e.action)).toEqual(['auth.token_created']);
  expect(new Set(confinedIds).size).toBe(confinedIds.length);
  expect(confined.events.some((e) => e.resource.startsWith('kms') || e.action === 'kms.create_key')).toBe(true);
  // Pages fill up: only the last one may be short.
  expect(confined.sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
  expect(JSON.stringify(confined.events)).not.toMatch(/team-b|team-ab/);
});
