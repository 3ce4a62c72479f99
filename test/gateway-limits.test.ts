import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { LIMITS } from '../gateway/plugins/limits';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv, startPlatform, type Env, type StartedSubgraph } from './gateway-harness';

/** Depth, alias, token and body-size limits are refused with 400 before any subgraph is called. */
describe('gateway request limits', () => {
  let env: Env;
  let platform: StartedSubgraph;
  let gateway: RunningService;

  beforeAll(async () => {
    env = scenarioEnv('gw-limits');
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

  it('a query deeper than the limit → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    // The platform schema has no recursion, so the deep part is fragments over unknown fields:
    // the depth rule reports it alongside the schema errors.
    let sel = 'x';
    for (let i = 0; i < LIMITS.maxDepth; i++) sel = `a${i} { ${sel} }`;
    const r = await gql(gateway.url, `{ viewer { project } ${sel} }`, { token: env.ROOT_TOKEN });
    expect(r.status).toBe(400);
    expect(r.json.errors.every((e: any) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(r.json.errors.map((e: any) => e.message)).toContainEqual(expect.stringMatching(/depth 13 exceeds the limit of 12/));
  });

  it('more aliases than the limit → 400 GRAPHQL_VALIDATION_FAILED; at the limit → served', async () => {
    const many = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `v${i}: viewer { project }`).join(' ')} }`;
    const over = await gql(gateway.url, many(LIMITS.maxAliases + 1), { token: env.ROOT_TOKEN });
    expect(over.status).toBe(400);
    expect(over.json.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/more than 30 aliases/), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const at = await gql(gateway.url, many(LIMITS.maxAliases), { token: env.ROOT_TOKEN });
    expect(at.status).toBe(200);
    expect(at.json.data.v29.project).toBe('default');
  });

  it('more tokens than the limit → 400 GRAPHQL_PARSE_FAILED', async () => {
    const q = `{ viewer { ${'project '.repeat(LIMITS.maxTokens)} } }`;
    const r = await gql(gateway.url, q, { token: env.ROOT_TOKEN });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(r.json.errors[0].message).toMatch(/tokens/);
  });

  it('a body over the size limit → 400 BAD_USER_INPUT', async () => {
    const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN, variables: { pad: 'x'.repeat(LIMITS.maxBodyBytes) } });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('batched HTTP requests are not accepted', async () => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.ROOT_TOKEN}` },
      body: JSON.stringify([{ query: '{ viewer { project } }' }, { query: '{ viewer { project } }' }]),
    });
    expect(res.status).toBe(400);
  });
});
