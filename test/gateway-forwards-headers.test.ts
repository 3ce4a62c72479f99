import { startProbeSubgraph } from './support/probeSubgraph';
import { startStack, type Stack } from './support/stack';

/** What a subgraph receives from the gateway: the caller's token, request id and region, plus the internal secret. */
describe('gateway forwards headers to subgraphs', () => {
  let stack: Stack;
  let probe: Awaited<ReturnType<typeof startProbeSubgraph>>;

  beforeAll(async () => {
    probe = await startProbeSubgraph();
    stack = await startStack({ label: 'gw-fwd', subgraphs: [probe], serviceEnv: { gateway: { DEFAULT_REGION: 'eu-west-1' } } });
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.stop();
  });

  it('forwards Authorization, x-request-id and x-region, and adds x-internal-secret', async () => {
    const r = await stack.gql('{ probeHeaders { authorization requestId region internalSecret } }', {}, {
      token: 'tok-123', requestId: 'fwd-1', region: 'ap-southeast-2',
    });
    expect(r.status).toBe(200);
    expect(r.body.data.probeHeaders).toEqual({ authorization: 'Bearer tok-123', requestId: 'fwd-1', region: 'ap-southeast-2', internalSecret: stack.baseEnv.INTERNAL_SECRET });
  });

  it('sends the default region and a generated request id when the caller gives none', async () => {
    const r = await stack.gql('{ probeHeaders { requestId region } }', {}, { token: null });
    expect(r.body.data.probeHeaders.region).toBe('eu-west-1');
    expect(r.body.data.probeHeaders.requestId).toBe(r.headers.get('x-request-id'));
  });
});
