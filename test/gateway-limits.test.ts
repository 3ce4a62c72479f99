import { LIMITS } from '../gateway/plugins/limits';
import { startStack, type Stack } from './support/stack';

/** Depth, alias, token and body-size limits are refused with 400 before any subgraph is called. */
describe('gateway request limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-limits' });
  });
  afterAll(async () => stack?.stop());

  it('a query deeper than the limit → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    // The deep part is fragments over unknown fields (no recursion needed): the depth rule
    // reports it alongside the schema errors.
    let sel = 'x';
    for (let i = 0; i < LIMITS.maxDepth; i++) sel = `a${i} { ${sel} }`;
    const r = await stack.gql(`{ viewer { project } ${sel} }`);
    expect(r.status).toBe(400);
    expect(r.body.errors?.every((e) => e.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(r.body.errors?.map((e) => e.message)).toContainEqual(expect.stringMatching(/depth 13 exceeds the limit of 12/));
  });

  it('more aliases than the limit → 400 GRAPHQL_VALIDATION_FAILED; at the limit → served', async () => {
    const many = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: viewer { project }`).join(' ')} }`;
    const over = await stack.gql(many(LIMITS.maxAliases + 1));
    expect(over.status).toBe(400);
    expect(over.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/more than 30 aliases/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const at = await stack.gql(many(LIMITS.maxAliases));
    expect(at.status).toBe(200);
    expect(at.body.data.v29.project).toBe('default');
  });

  it('more tokens than the limit → 400 GRAPHQL_PARSE_FAILED', async () => {
    const q = `{ viewer { ${'project '.repeat(LIMITS.maxTokens)} } }`;
    const r = await stack.gql(q);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.body.errors?.[0].message).toMatch(/tokens/);
  });

  it('a body over the size limit → 400 BAD_USER_INPUT', async () => {
    const r = await stack.gql('{ viewer { project } }', { pad: 'x'.repeat(LIMITS.maxBodyBytes) });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('batched HTTP requests are not accepted', async () => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.rootToken}` },
      body: JSON.stringify([{ query: '{ viewer { project } }' }, { query: '{ viewer { project } }' }]),
    });
    expect(res.status).toBe(400);
  });
});
