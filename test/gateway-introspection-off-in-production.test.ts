import { startStack } from './support/stack';

describe('introspection and landing page follow config.introspection', () => {
  const introspect = '{ __schema { queryType { name } } }';
  const gatewayIn = (NODE_ENV: string) => startStack({ label: 'gw-introspect', serviceEnv: { gateway: { NODE_ENV } } });

  it('production: introspection refused (400) and no Sandbox landing page', async () => {
    const stack = await gatewayIn('production');
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

  it('development: introspection served and the Sandbox landing page shown', async () => {
    const stack = await gatewayIn('development');
    try {
      const r = await stack.gql(introspect, {}, { token: null });
      expect(r.status).toBe(200);
      expect(r.body.data.__schema.queryType.name).toBe('Query');
      const page = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/sandbox/i);
    } finally {
      await stack.stop();
    }
  });
});
