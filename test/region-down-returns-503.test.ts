import { gql } from './gateway-harness';
import { CREATE_KEY, GET_KEY, startRegionalStack, type RegionalStack } from './region-harness';

const TIMEOUT_MS = 2000; // config default (SUBGRAPH_TIMEOUT_MS)
const RESET_MS = 600;

/** One region's KMS dies while the gateway runs: 503 fast for it, the other region unaffected, and recovery after restart. */
describe('a region whose KMS goes down and comes back', () => {
  let stack: RegionalStack;
  const token = () => stack.env.ROOT_TOKEN;
  const base = () => stack.gateway.url.replace(/\/graphql$/, '');
  const circuitOf = async (region: string) => (((await (await fetch(base() + '/health/ready')).json()) as any).regions as any[]).find((r) => r.name === region).circuit;

  beforeAll(async () => {
    stack = await startRegionalStack('rg-down', { gateway: { breaker: { failureThreshold: 2, resetAfterMs: RESET_MS } } });
    for (const region of ['us-east-1', 'eu-west-1']) {
      const r = await gql(stack.gateway.url, CREATE_KEY, { token: token(), region, variables: { identity: 'live-key', type: 'AES256_GCM96' } });
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => stack?.stop());

  it('goes 503 REGION_UNAVAILABLE within the timeout, while the other region keeps serving, then recovers', async () => {
    await stack.euw1.stop();

    const down = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'live-key' } });
    expect(down.status).toBe(503);
    expect(down.json.errors[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.elapsedMs).toBeLessThan(TIMEOUT_MS + 500);

    const other = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'us-east-1', variables: { identity: 'live-key' } });
    expect(other.status).toBe(200);
    expect(other.json.data.kmsKey).toEqual({ region: 'us-east-1', identity: 'live-key', type: 'AES256_GCM96' });

    // Second failure opens eu-west-1's circuit: calls fail fast without touching the network.
    const again = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'live-key' } });
    expect(again.status).toBe(503);
    expect(await circuitOf('eu-west-1')).toBe('open');
    expect(await circuitOf('us-east-1')).toBe('closed');
    const open = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'live-key' } });
    expect(open.status).toBe(503);
    expect(open.json.errors[0].extensions.region).toBe('eu-west-1');
    expect(open.elapsedMs).toBeLessThan(200);

    await stack.euw1.restart();
    // Still open until the reset time has passed; then one half-open trial closes it.
    await new Promise((r) => setTimeout(r, RESET_MS + 50));
    expect(await circuitOf('eu-west-1')).toBe('half-open');
    const back = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'live-key' } });
    expect(back.status).toBe(200);
    expect(back.json.data.kmsKey).toEqual({ region: 'eu-west-1', identity: 'live-key', type: 'AES256_GCM96' });
    expect(await circuitOf('eu-west-1')).toBe('closed');
  });

  it('a write in the dead region is refused with 503, and nothing is half-done when it returns', async () => {
    await stack.euw1.stop();
    const r = await gql(stack.gateway.url, CREATE_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'while-down', type: 'AES256_GCM96' } });
    expect(r.status).toBe(503);
    expect(r.json.data).toBeNull();
    expect(r.json.errors[0].extensions.code).toBe('REGION_UNAVAILABLE');
    await stack.euw1.restart();
    await new Promise((res) => setTimeout(res, RESET_MS + 50));
    const check = await gql(stack.gateway.url, GET_KEY, { token: token(), region: 'eu-west-1', variables: { identity: 'while-down' } });
    expect(check.status).toBe(200);
    expect(check.json.data.kmsKey).toBeNull();
  });
});
