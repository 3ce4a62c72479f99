import { startStack, type Stack } from './support/stack';

/** Apollo's CSRF prevention: a "simple" request (no preflight) cannot run an operation. */
describe('gateway CSRF prevention', () => {
  let stack: Stack;
  const q = `?query=${encodeURIComponent('{ viewer { project } }')}`;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-csrf' });
  });
  afterAll(async () => stack?.stop());
  const tokenCount = async () => (await stack.services.get('platform')!.tokens.list('default')).length;

  it('blocks a GET query without content-type or preflight headers (400 BAD_REQUEST)', async () => {
    const res = await fetch(stack.gatewayUrl + q, { headers: { authorization: `Bearer ${stack.rootToken}` } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('blocks a POST with a simple content type (text/plain)', async () => {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.rootToken}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ viewer { project } }' }),
    });
    expect(res.status).toBe(400);
  });

  it('serves the same GET with apollo-require-preflight', async () => {
    const res = await fetch(stack.gatewayUrl + q, { headers: { authorization: `Bearer ${stack.rootToken}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.viewer.project).toBe('default');
  });

  it('never runs a mutation over GET', async () => {
    const m = `?query=${encodeURIComponent('mutation { createApiToken(input: { name: "g", scopes: ["kms:read"] }) { token } }')}`;
    const before = await tokenCount();
    const res = await fetch(stack.gatewayUrl + m, { headers: { authorization: `Bearer ${stack.rootToken}`, 'apollo-require-preflight': 'true' } });
    // Apollo says 405; the shared status rule maps its BAD_REQUEST code to 400. Either way: refused, not run.
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].message).toMatch(/GET requests only support query operations/);
    expect(await tokenCount()).toBe(before);
  });
});
