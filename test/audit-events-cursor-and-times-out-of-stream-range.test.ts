import { startStack, type Stack } from './support/stack';

/**
 * Cursors and filter times Redis cannot take as stream ids (a part past 64 bits, 0-0 as an
 * exclusive bound, a time before 1970) are a client matter, never a 500: BAD_USER_INPUT for a
 * cursor, and the plain meaning for a time (since before 1970: from the start; until: nothing).
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'audit-range' });
  await stack.token(['audit:read']);
});
afterAll(() => stack.stop());

const Q = `query($after: String, $filter: AuditEventFilterInput) { auditEvents(after: $after, filter: $filter) { nodes { action } } }`;
const cursor = (s: string) => Buffer.from(s).toString('base64url');

it.each(['0-0', '00000000000000000000-0', '18446744073709551616-0', '1-99999999999999999999'])('after %s is BAD_USER_INPUT (400)', async (c) => {
  const r = await stack.gql(Q, { after: cursor(c) });
  expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
});

it('since before 1970 lists every event; until before 1970 lists none', async () => {
  const all = await stack.ok(Q, {});
  expect(all.auditEvents.nodes.length).toBeGreaterThan(0);
  for (const since of ['1969-12-31T23:59:59Z', '0001-01-01T00:00:00Z']) {
    expect((await stack.ok(Q, { filter: { since } })).auditEvents.nodes).toEqual(all.auditEvents.nodes);
  }
  for (const until of ['1969-12-31T23:59:59Z', '0001-01-01T00:00:00Z']) {
    expect((await stack.ok(Q, { filter: { until } })).auditEvents.nodes).toEqual([]);
  }
});
