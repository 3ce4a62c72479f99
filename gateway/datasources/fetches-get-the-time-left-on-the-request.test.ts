import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegionRegistry } from '../../shared/regions';
import { SubgraphTransport } from '../../shared/subgraphTransport';
import { RegionCircuits } from '../regionCircuits';
import { RegionalKmsDataSource } from './RegionalKmsDataSource';
import { SubgraphDataSource } from './SubgraphDataSource';

/**
 * A request's later fetches get only what is left of its budget (REQUEST_TIMEOUT_MS), and tell the
 * subgraph so in x-timeout-ms; a fetch with nothing left is answered unavailable without being
 * sent, and without counting against the subgraph's or region's circuit.
 */
describe('subgraph fetches get the time left on the request', () => {
  let server: Server;
  let url: string;
  const seen: (string | undefined)[] = [];
  let transport: SubgraphTransport;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      // GraphQL fetches only (key generation first checks /health/live).
      if (req.method === 'POST') seen.push(req.headers['x-timeout-ms'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { ok: true } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    transport = new SubgraphTransport({ timeoutMs: 2000 });
  });
  afterAll(async () => {
    transport.close();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (seen.length = 0));

  const request = { query: '{ ok }', variables: {} };

  it('a global subgraph is told min(its timeout, the time left), and is not called when none is left', async () => {
    const source = new SubgraphDataSource('platform', url, transport, 'i'.repeat(32));
    await source.process({ request, context: { requestId: 'r1', region: 'us-east-1', deadline: Date.now() + 10_000 } } as any);
    await source.process({ request, context: { requestId: 'r2', region: 'us-east-1', deadline: Date.now() + 1500 } } as any);
    expect(Number(seen[0])).toBe(2000);
    expect(Number(seen[1])).toBeGreaterThan(0);
    expect(Number(seen[1])).toBeLessThanOrEqual(1500);

    const late: any = await source.process({ request, context: { requestId: 'r3', region: 'us-east-1', deadline: Date.now() - 1 } } as any);
    expect(late.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(seen).toHaveLength(2);
    expect(source.breaker.state).toBe('closed');
  });

  it('a region is told the same, key generation included, and is not called when none is left', async () => {
    const regions = new RegionRegistry('eu-west-1', [{ name: 'eu-west-1', kmsUrl: url }]);
    const circuits = new RegionCircuits(regions, { failureThreshold: 1, resetAfterMs: 60_000 });
    const source = new RegionalKmsDataSource(regions, circuits, transport, 'i'.repeat(32), 10_000);
    await source.process({ request, context: { requestId: 'k1', region: 'eu-west-1', deadline: Date.now() + 1500 } } as any);
    const keygen = { query: 'mutation { createKmsKey(input: { identity: "k", type: RSA_4096 }) { identity } }', variables: {} };
    await source.process({ request: keygen, context: { requestId: 'k2', region: 'eu-west-1', deadline: Date.now() + 5000 } } as any);
    expect(Number(seen[0])).toBeGreaterThan(0);
    expect(Number(seen[0])).toBeLessThanOrEqual(1500);
    // Key generation has its own, longer timeout (10 s here): it too is cut to the time left.
    expect(Number(seen[1])).toBeGreaterThan(0);
    expect(Number(seen[1])).toBeLessThanOrEqual(5000);

    const late: any = await source.process({ request, context: { requestId: 'k3', region: 'eu-west-1', deadline: Date.now() - 1 } } as any);
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    expect(seen).toHaveLength(2);
    // A failure threshold of 1: had the refusal counted, the region's circuit would be open now.
    expect(circuits.get('eu-west-1')?.state).toBe('closed');
  });
});
