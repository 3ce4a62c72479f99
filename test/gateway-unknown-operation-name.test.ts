import { startStack, type Stack } from './support/stack';

/** An operationName that selects no operation is the client's mistake: 400, never a 500. */
describe('gateway operation selection', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-op-name' });
  });
  afterAll(async () => stack?.stop());

  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.rootToken}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const doc = 'query Mine { viewer { project } } query Gates { featureGates { kms } }';

  it('refuses an operationName that names no operation with 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await post({ query: doc, operationName: 'NotThere_x7' });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors[0].message).toMatch(/operationName does not name an operation/);
    expect(JSON.stringify(r.body)).not.toContain('NotThere_x7');
    expect(r.body.data).toBeUndefined();
  });

  it('refuses a document of several operations without operationName the same way', async () => {
    const r = await post({ query: doc });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses it over GET too', async () => {
    const url = new URL(stack.gatewayUrl);
    url.searchParams.set('query', doc);
    url.searchParams.set('operationName', 'Nope');
    const res = await fetch(url, { headers: { authorization: `Bearer ${stack.rootToken}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('runs the operation an operationName does name', async () => {
    const r = await post({ query: doc, operationName: 'Mine' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ viewer: { project: 'default' } });
  });
});
