import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, platformForComposition, scenarioEnv, startPlatform, type Env, type StartedSubgraph } from './gateway-harness';

/** Apollo's CSRF prevention: a "simple" request (no preflight) cannot run an operation. */
describe('gateway CSRF prevention', () => {
  let env: Env;
  let platform: StartedSubgraph;
  let gateway: RunningService;
  const q = `?query=${encodeURIComponent('{ viewer { project } }')}`;

  beforeAll(async () => {
    env = scenarioEnv('gw-csrf');
    platform = await startPlatform(env);
    gateway = await startGateway(configFor(env, { PLATFORM_URL: platform.running.url }), {
      port: 0,
      supergraphSdl: composeSupergraph([await platformForComposition(platform.running.url)]),
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await platform?.stop();
  });

  it('blocks a GET query without content-type or preflight headers (400 BAD_REQUEST)', async () => {
    const res = await fetch(gateway.url + q, { headers: { authorization: `Bearer ${env.ROOT_TOKEN}` } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('blocks a POST with a simple content type (text/plain)', async () => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ROOT_TOKEN}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ viewer { project } }' }),
    });
    expect(res.status).toBe(400);
  });

  it('serves the same GET with apollo-require-preflight', async () => {
    const res = await fetch(gateway.url + q, { headers: { authorization: `Bearer ${env.ROOT_TOKEN}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.viewer.project).toBe('default');
  });

  it('never runs a mutation over GET', async () => {
    const m = `?query=${encodeURIComponent('mutation { createApiToken(input: { name: "g", scopes: ["kms:read"] }) { token } }')}`;
    const before = (await platform.services.tokens.list('default')).length;
    const res = await fetch(gateway.url + m, { headers: { authorization: `Bearer ${env.ROOT_TOKEN}`, 'apollo-require-preflight': 'true' } });
    // Apollo says 405; the shared status rule maps its BAD_REQUEST code to 400. Either way: refused, not run.
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].message).toMatch(/GET requests only support query operations/);
    expect((await platform.services.tokens.list('default')).length).toBe(before);
  });
});
