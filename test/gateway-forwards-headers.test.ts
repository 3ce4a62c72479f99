import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv, startProbeSubgraph, type Env } from './gateway-harness';

/** What a subgraph receives from the gateway: the caller's token, request id and region, plus the internal secret. */
describe('gateway forwards headers to subgraphs', () => {
  let env: Env;
  let gateway: RunningService;
  let probe: Awaited<ReturnType<typeof startProbeSubgraph>>;

  beforeAll(async () => {
    env = scenarioEnv('gw-fwd');
    probe = await startProbeSubgraph();
    const supergraphSdl = composeSupergraph([await platformForComposition(), { name: 'probe', url: probe.url, schema: probe.schema }]);
    gateway = await startGateway(configFor(env, { DEFAULT_REGION: 'eu-west-1' }), { port: 0, supergraphSdl });
  });
  afterAll(async () => {
    await gateway?.stop();
    await probe?.stop();
  });

  it('forwards Authorization, x-request-id and x-region, and adds x-internal-secret', async () => {
    const r = await gql(gateway.url, '{ probeHeaders { authorization requestId region internalSecret } }', {
      token: 'tok-123', requestId: 'fwd-1', region: 'ap-southeast-2',
    });
    expect(r.status).toBe(200);
    expect(r.json.data.probeHeaders).toEqual({ authorization: 'Bearer tok-123', requestId: 'fwd-1', region: 'ap-southeast-2', internalSecret: env.INTERNAL_SECRET });
  });

  it('sends the default region and a generated request id when the caller gives none', async () => {
    const r = await gql(gateway.url, '{ probeHeaders { requestId region } }');
    expect(r.json.data.probeHeaders.region).toBe('eu-west-1');
    expect(r.json.data.probeHeaders.requestId).toBe(r.headers.get('x-request-id'));
  });
});
