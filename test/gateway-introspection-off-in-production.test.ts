import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv, type Env } from './gateway-harness';

describe('introspection and landing page follow config.introspection', () => {
  let env: Env;
  let supergraphSdl: string;
  const introspect = '{ __schema { queryType { name } } }';

  beforeAll(async () => {
    env = scenarioEnv('gw-introspect');
    supergraphSdl = composeSupergraph([await platformForComposition()]);
  });

  it('production: introspection refused (400) and no Sandbox landing page', async () => {
    const gateway = await startGateway(configFor(env, { NODE_ENV: 'production' }), { port: 0, supergraphSdl });
    try {
      const r = await gql(gateway.url, introspect);
      expect(r.status).toBe(400);
      expect(r.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/sandbox/i);
    } finally {
      await gateway.stop();
    }
  });

  it('development: introspection served and the Sandbox landing page shown', async () => {
    const gateway = await startGateway(configFor(env, { NODE_ENV: 'development' }), { port: 0, supergraphSdl });
    try {
      const r = await gql(gateway.url, introspect);
      expect(r.status).toBe(200);
      expect(r.json.data.__schema.queryType.name).toBe('Query');
      const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/sandbox/i);
    } finally {
      await gateway.stop();
    }
  });
});
