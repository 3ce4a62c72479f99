import { gql, scenarioEnv, startPlatform, type Env, type StartedSubgraph } from './gateway-harness';

/** A subgraph reached directly (bypassing the gateway) is no back door. */
describe('subgraph called directly', () => {
  let env: Env;
  let platform: StartedSubgraph;

  beforeAll(async () => {
    env = scenarioEnv('gw-direct');
    platform = await startPlatform(env);
  });
  afterAll(async () => platform?.stop());

  it('without x-internal-secret: 401, even with a valid token', async () => {
    const r = await gql(platform.running.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
    expect(r.status).toBe(401);
    expect(r.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(r.json.data ?? null).toBeNull();
  });

  it('with a wrong x-internal-secret: 401', async () => {
    const r = await gql(platform.running.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, headers: { 'x-internal-secret': 'x'.repeat(43) } });
    expect(r.status).toBe(401);
  });

  it('with the secret but without a token: 401', async () => {
    const r = await gql(platform.running.url, '{ viewer { project } }', { headers: { 'x-internal-secret': env.INTERNAL_SECRET } });
    expect(r.status).toBe(401);
    expect(r.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('with the secret and a token: served (the positive control)', async () => {
    const r = await gql(platform.running.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, headers: { 'x-internal-secret': env.INTERNAL_SECRET } });
    expect(r.status).toBe(200);
    expect(r.json.data.viewer.project).toBe('default');
  });
});
