import { CREATE_KEY, GET_KEY } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

const TIMEOUT_MS = 2000; // config default (SUBGRAPH_TIMEOUT_MS)
const RESET_MS = 600;

/** One region's KMS dies while the gateway runs: 503 fast for it, the other region unaffected, and recovery after restart. */
describe('a region whose KMS goes down and comes back', () => {
  let stack: Stack;
  const circuitOf = async (region: string) =>
    (((await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/health/ready'))).json()) as any).regions as any[]).find((r) => r.name === region).circuit;

  beforeAll(async () => {
    stack = await startStack({ label: 'rg-down', kms: true, gatewayOptions: { breaker: { failureThreshold: 2, resetAfterMs: RESET_MS } } });
    for (const region of ['us-east-1', 'eu-west-1']) {
      const r = await stack.gql(CREATE_KEY, { identity: 'live-key', type: 'AES256_GCM96' }, { region });
      expect(r.status).toBe(200);
    }
  });
  afterAll(async () => stack?.stop());

  it('goes 503 REGION_UNAVAILABLE within the timeout, while the other region keeps serving, then recovers', async () => {
    await stack.stopKms('eu-west-1');

    const down = await stack.gql(GET_KEY, { identity: 'live-key' }, { region: 'eu-west-1' });
    expect(down.status).toBe(503);
    expect(down.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.elapsedMs).toBeLessThan(TIMEOUT_MS + 500);

    const other = await stack.gql(GET_KEY, { identity: 'live-key' }, { region: 'us-east-1' });
    expect(other.status).toBe(200);
    expect(other.body.data.kmsKey).toEqual({ region: 'us-east-1', identity: 'live-key', type: 'AES256_GCM96' });

    // Second failure opens eu-west-1's circuit: calls fail fast without touching the network.
    const again = await stack.gql(GET_KEY, { identity: 'live-key' }, { region: 'eu-west-1' });
    expect(again.status).toBe(503);
    expect(await circuitOf('eu-west-1')).toBe('open');
    expect(await circuitOf('us-east-1')).toBe('closed');
    const open = await stack.gql(GET_KEY, { identity: 'live-key' }, { region: 'eu-west-1' });
    expect(open.status).toBe(503);
    expect(open.body.errors?.[0].extensions?.region).toBe('eu-west-1');
    expect(open.elapsedMs).toBeLessThan(200);

    await stack.restartKms('eu-west-1');
    // Still open until the reset time has passed; then one half-open trial closes it.
    await new Promise((r) => setTimeout(r, RESET_MS + 50));
    expect(await circuitOf('eu-west-1')).toBe('half-open');
    const back = await stack.gql(GET_KEY, { identity: 'live-key' }, { region: 'eu-west-1' });
    expect(back.status).toBe(200);
    expect(back.body.data.kmsKey).toEqual({ region: 'eu-west-1', identity: 'live-key', type: 'AES256_GCM96' });
    expect(await circuitOf('eu-west-1')).toBe('closed');
  });

  it('a write in the dead region is refused with 503, and nothing is half-done when it returns', async () => {
    await stack.stopKms('eu-west-1');
    const r = await stack.gql(CREATE_KEY, { identity: 'while-down', type: 'AES256_GCM96' }, { region: 'eu-west-1' });
    expect(r.status).toBe(503);
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.[0].extensions?.code).toBe('REGION_UNAVAILABLE');
    await stack.restartKms('eu-west-1');
    await new Promise((res) => setTimeout(res, RESET_MS + 50));
    const check = await stack.gql(GET_KEY, { identity: 'while-down' }, { region: 'eu-west-1' });
    expect(check.status).toBe(200);
    expect(check.body.data.kmsKey).toBeNull();
  });
});
