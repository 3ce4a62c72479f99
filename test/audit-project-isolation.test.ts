import { startStack, type Stack } from './support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'iso' });
});
afterAll(() => stack.stop());

describe('projects are isolated in the audit log', () => {
  it("a token of project A sees none of project B's events, and root bootstraps projects", async () => {
    const a = await stack.token(['audit:read', 'admin'], { project: 'proj-a' });
    const b = await stack.token(['audit:read', 'admin'], { project: 'proj-b' });
    // Activity in B: a token created and a gate changed, both audited in B.
    const madeInB = await stack.token(['audit:read'], { as: b.token });
    await stack.gql('mutation { setFeatureGate(feature: "secrets", enabled: false) { secrets } }', {}, { token: b.token });

    const seenByA = await stack.gql('{ auditEvents(first: 1000) { nodes { project resource action } } }', {}, { token: a.token });
    expect(seenByA.status).toBe(200);
    const nodesA = seenByA.body.data.auditEvents.nodes as { project: string; resource: string }[];
    expect(nodesA.every((n) => n.project === 'proj-a')).toBe(true);
    expect(nodesA.map((n) => n.resource)).not.toContain(`token:${madeInB.id}`);

    const seenByB = await stack.gql('{ auditEvents(first: 1000) { nodes { project resource action } } }', {}, { token: b.token });
    const nodesB = seenByB.body.data.auditEvents.nodes as { project: string; resource: string; action: string }[];
    expect(nodesB.map((n) => n.action)).toEqual(expect.arrayContaining(['auth.token_created', 'platform.feature_gate']));
    expect(nodesB.every((n) => n.project === 'proj-b')).toBe(true);

    // Gates are per project too.
    const gatesA = await stack.gql('{ featureGates { secrets kms } }', {}, { token: a.token });
    expect(gatesA.body.data.featureGates).toEqual({ secrets: true, kms: true });
  });

  it('audit pages are newest first and the cursor continues without overlap', async () => {
    const p = await stack.token(['audit:read', 'admin'], { project: 'proj-page' });
    for (let i = 0; i < 5; i++) await stack.token(['audit:read'], { as: p.token });
    const first = await stack.gql('{ auditEvents(first: 3, filter: { action: "auth.token_created" }) { nodes { id time } pageInfo { endCursor hasNextPage } } }', {}, { token: p.token });
    const page1 = first.body.data.auditEvents;
    expect(page1.nodes).toHaveLength(3);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const next = await stack.gql('query($after: String) { auditEvents(first: 10, after: $after, filter: { action: "auth.token_created" }) { nodes { id } pageInfo { hasNextPage } } }', { after: page1.pageInfo.endCursor }, { token: p.token });
    const page2 = next.body.data.auditEvents;
    // 6 token_created events in proj-page: the bootstrap by root plus 5.
    expect(page2.nodes).toHaveLength(3);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const ids = [...page1.nodes, ...page2.nodes].map((n: { id: string }) => n.id);
    expect(new Set(ids).size).toBe(6);
    // Newest first: stream ids (ms-seq) strictly decreasing across both pages.
    const key = (id: string) => id.split('-').map(BigInt) as [bigint, bigint];
    const newestFirst = [...ids].sort((x, y) => {
      const [a, b] = [key(x), key(y)];
      return a[0] !== b[0] ? (b[0] > a[0] ? 1 : -1) : b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0;
    });
    expect(ids).toEqual(newestFirst);
  });
});
