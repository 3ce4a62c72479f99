import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv, startPlatform, type Env, type StartedSubgraph } from './gateway-harness';

describe('gateway request ids', () => {
  let env: Env;
  let platform: StartedSubgraph;
  let gateway: RunningService;

  beforeAll(async () => {
    env = scenarioEnv('gw-rid');
    platform = await startPlatform(env);
    const config = configFor(env, { PLATFORM_URL: platform.running.url });
    gateway = await startGateway(config, { port: 0, supergraphSdl: composeSupergraph([await platformForComposition(platform.running.url)]) });
  });
  afterAll(async () => {
    await gateway?.stop();
    await platform?.stop();
  });

  it('echoes a sane caller request id on success', async () => {
    const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, requestId: 'client-req.42:a_b' });
    expect(r.status).toBe(200);
    expect(r.json.data.viewer.project).toBe('default');
    expect(r.headers.get('x-request-id')).toBe('client-req.42:a_b');
  });

  it('generates a request id when none is given, and replaces an insane one', async () => {
    const none = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, requestId: 'has spaces and <html>' });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carries the request id on errors, unknown regions, 404 and health', async () => {
    const unauth = await gql(gateway.url, '{ viewer { project } }', { requestId: 'rid-unauth' });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('x-request-id')).toBe('rid-unauth');
    const region = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, region: 'xx-nowhere-9', requestId: 'rid-region' });
    expect(region.status).toBe(400);
    expect(region.headers.get('x-request-id')).toBe('rid-region');
    const parseError = await gql(gateway.url, '{ viewer { ', { token: env.ROOT_TOKEN, requestId: 'rid-parse' });
    expect(parseError.status).toBe(400);
    expect(parseError.headers.get('x-request-id')).toBe('rid-parse');
    const base = gateway.url.replace(/\/graphql$/, '');
    for (const path of ['/nope', '/health/live', '/health/ready']) {
      const r = await fetch(base + path, { headers: { 'x-request-id': 'rid-' + path.length } });
      expect(r.headers.get('x-request-id')).toBe('rid-' + path.length);
    }
  });

  it('forwards the request id to the subgraph (it lands in the audit trail)', async () => {
    const created = await gql(
      gateway.url,
      'mutation { createApiToken(input: { name: "rid", scopes: ["audit:read"] }) { info { id } } }',
      { token: env.ROOT_TOKEN, requestId: 'rid-forwarded-1' },
    );
    expect(created.status).toBe(200);
    // Read the audit stream directly: this proves what the subgraph received, whatever its query API does.
    const { events } = await platform.services.audit.query('default', { requestId: 'rid-forwarded-1' }, 10, null);
    expect(events.map((e) => e.action)).toContain('auth.token_created');
  });
});
