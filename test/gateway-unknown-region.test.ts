import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv, startPlatform, type Env, type StartedSubgraph } from './gateway-harness';

describe('x-region naming a region outside the registry', () => {
  let env: Env;
  let platform: StartedSubgraph;
  let gateway: RunningService;

  beforeAll(async () => {
    env = scenarioEnv('gw-region');
    platform = await startPlatform(env);
    const config = configFor(env, { PLATFORM_URL: platform.running.url });
    gateway = await startGateway(config, { port: 0, supergraphSdl: composeSupergraph([await platformForComposition(platform.running.url)]) });
  });
  afterAll(async () => {
    await gateway?.stop();
    await platform?.stop();
  });

  it('is refused with 400 BAD_USER_INPUT and extensions.region', async () => {
    const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, region: 'mars-north-1' });
    expect(r.status).toBe(400);
    expect(r.json.data).toBeNull();
    expect(r.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', region: 'mars-north-1' });
  });

  it('is refused before anything executes (a mutation has no effect)', async () => {
    const before = (await platform.services.tokens.list('default')).length;
    const r = await gql(gateway.url, 'mutation { createApiToken(input: { name: "nope", scopes: ["kms:read"] }) { info { id } } }', {
      token: env.ROOT_TOKEN,
      region: 'zz-nowhere-1',
    });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await platform.services.tokens.list('default')).length).toBe(before);
  });

  it('is refused on GET too', async () => {
    const res = await fetch(`${gateway.url}?query=${encodeURIComponent('{ viewer { project } }')}`, {
      headers: { authorization: `Bearer ${env.ROOT_TOKEN}`, 'x-region': 'eu-west-99', 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).errors[0].extensions.region).toBe('eu-west-99');
  });

  it('accepts every listed region, with or without a KMS endpoint', async () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, region });
      expect(r.status).toBe(200);
      expect(r.json.data.viewer.project).toBe('default');
    }
  });
});
