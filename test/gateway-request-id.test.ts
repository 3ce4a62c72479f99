import { startStack, type Stack } from './support/stack';

describe('gateway request ids', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-rid' });
  });
  afterAll(async () => stack?.stop());

  it('echoes a sane caller request id on success', async () => {
    const r = await stack.gql('{ viewer { project } }', {}, { requestId: 'client-req.42:a_b' });
    expect(r.status).toBe(200);
    expect(r.body.data.viewer.project).toBe('default');
    expect(r.headers.get('x-request-id')).toBe('client-req.42:a_b');
  });

  it('generates a request id when none is given, and replaces an insane one', async () => {
    const none = await stack.gql('{ viewer { project } }');
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await stack.gql('{ viewer { project } }', {}, { requestId: 'has spaces and <html>' });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the request id on errors, unknown regions, 404 and health', async () => {
    const unauth = await stack.gql('{ viewer { project } }', {}, { token: null, requestId: 'rid-unauth' });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('x-request-id')).toBe('rid-unauth');
    const region = await stack.gql('{ viewer { project } }', {}, { region: 'xx-nowhere-9', requestId: 'rid-region' });
    expect(region.status).toBe(400);
    expect(region.headers.get('x-request-id')).toBe('rid-region');
    const parseError = await stack.gql('{ viewer { ', {}, { requestId: 'rid-parse' });
    expect(parseError.status).toBe(400);
    expect(parseError.headers.get('x-request-id')).toBe('rid-parse');
    const base = stack.gatewayUrl.replace(/\/graphql$/, '');
    for (const path of ['/nope', '/health/live', '/health/ready']) {
      const r = await fetch(base + path, { headers: { 'x-request-id': 'rid-' + path.length } });
      expect(r.headers.get('x-request-id')).toBe('rid-' + path.length);
    }
  });

  it('forwards the request id to the subgraph (it lands in the audit trail)', async () => {
    const created = await stack.gql(
      'mutation { createApiToken(input: { name: "rid", scopes: ["audit:read"] }) { info { id } } }',
      {},
      { requestId: 'rid-forwarded-1' },
    );
    expect(created.status).toBe(200);
    // Read the audit stream directly: this proves what the subgraph received, whatever its query API does.
    const { events } = await stack.services.get('platform')!.audit.query('default', { requestId: 'rid-forwarded-1' }, 10, null);
    expect(events.map((e) => e.action)).toContain('auth.token_created');
  });
});
