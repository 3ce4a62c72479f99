import { startStack } from './support/stack';

/** INTROSPECTION is the one switch for introspection and the Sandbox landing page, in production too. */
describe('INTROSPECTION=true in production', () => {
  const introspect = '{ __schema { queryType { name } } }';

  it('serves introspection and the Sandbox landing page', async () => {
    const stack = await startStack({ label: 'gw-introspect-prod', serviceEnv: { gateway: { NODE_ENV: 'production', INTROSPECTION: 'true' } } });
    try {
      const r = await stack.gql(introspect, {}, { token: null });
      expect(r.status).toBe(200);
      expect(r.body.data.__schema.queryType.name).toBe('Query');
      const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toMatch(/sandbox/i);
    } finally {
      await stack.stop();
    }
  });

  it('INTROSPECTION=false turns both off outside production too', async () => {
    const stack = await startStack({ label: 'gw-introspect-dev-off', serviceEnv: { gateway: { NODE_ENV: 'development', INTROSPECTION: 'false' } } });
    try {
      const r = await stack.gql(introspect, {}, { token: null });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/sandbox/i);
    } finally {
      await stack.stop();
    }
  });
});
