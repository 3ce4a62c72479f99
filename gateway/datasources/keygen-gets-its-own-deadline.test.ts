import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { RegionRegistry } from '../../shared/regions';
import { RegionCircuits } from '../regionCircuits';
import { RegionalKmsDataSource } from './RegionalKmsDataSource';
import { SubgraphTransport } from '../../shared/subgraphTransport';

/**
 * A region whose KMS takes 600 ms to answer: with a 300 ms subgraph timeout, key generation
 * (which has its own 3 s deadline) still succeeds, while any other call is REGION_UNAVAILABLE.
 * A hung region (nothing answers, not even its health check) fails key generation within the
 * short deadline too.
 */
describe('key generation gets its own deadline at the gateway', () => {
  let slow: Server;
  let source: RegionalKmsDataSource;
  let transport: SubgraphTransport;
  beforeAll(async () => {
    slow = createServer((req, res) => {
      req.resume();
      if (req.url === '/health/live') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
        return;
      }
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { ok: true } }));
      }, 600);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`;
    const regions = new RegionRegistry('eu-west-1', [{ name: 'eu-west-1', kmsUrl: url }]);
    transport = new SubgraphTransport({ timeoutMs: 300 });
    source = new RegionalKmsDataSource(regions, new RegionCircuits(regions, { failureThreshold: 100, resetAfterMs: 1000 }), transport, 'i'.repeat(32), 3000);
  });
  afterAll(async () => {
    transport.close();
    await new Promise((r) => slow.close(r));
  });

  const run = (query: string) =>
    source.process({ request: { query, variables: {} }, context: { requestId: 'r1', region: 'eu-west-1' } } as any) as Promise<any>;

  it.each([
    ['createKmsKey', 'mutation { createKmsKey(input: { identity: "k", type: RSA_4096 }) { identity } }'],
    ['rotateKmsKey (aliased)', 'mutation Rot { r: rotateKmsKey(identity: "k") { latestVersion } }'],
  ])('%s waits for the slow answer', async (_name, query) => {
    const res = await run(query);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ ok: true });
  });

  it.each([
    ['a query', 'query { kmsKey(identity: "k") { identity } }'],
    ['another mutation', 'mutation { disableKmsKey(identity: "k") { status } }'],
    ['a query that only mentions the name', 'query { kmsKey(identity: "createKmsKey") { identity } }'],
    ['a mutation whose argument spells the name', 'mutation { encrypt(input: { keyIdentity: "k", plaintext: "eA==", associatedData: "createKmsKey(" }) { ciphertext } }'],
    ['key generation batched with another field', 'mutation { createKmsKey(input: { identity: "k", type: RSA_4096 }) { identity } encrypt(input: { keyIdentity: "k", plaintext: "eA==" }) { ciphertext } }'],
  ])('%s keeps the subgraph timeout → REGION_UNAVAILABLE', async (_name, query) => {
    const started = Date.now();
    const res = await run(query);
    expect(Date.now() - started).toBeLessThan(550);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
  });

  it('key generation past its own deadline in a live region leaves the breaker closed (and frees a half-open trial)', async () => {
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`;
    const regions = new RegionRegistry('eu-west-1', [{ name: 'eu-west-1', kmsUrl: url }]);
    let t = 0;
    const circuits = new RegionCircuits(regions, { failureThreshold: 1, resetAfterMs: 1000, now: () => t });
    // Its key-generation deadline (200 ms) is shorter than the region's 600 ms answer.
    const src = new RegionalKmsDataSource(regions, circuits, transport, 'i'.repeat(32), 200);
    const create = () => src.process({ request: { query: 'mutation { createKmsKey(input: { identity: "k", type: RSA_4096 }) { identity } }', variables: {} }, context: { requestId: 'r3', region: 'eu-west-1' } } as any) as Promise<any>;
    for (let i = 0; i < 2; i++) {
      const res = await create();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1', retryAfter: 1 });
    }
    const breaker = circuits.get('eu-west-1')!;
    expect(breaker.state).toBe('closed');
    // Opened by a real failure, then half-open: a slow key generation as the trial does not hold the slot.
    breaker.failure();
    t = 1000;
    await create();
    expect(breaker.state).toBe('half-open');
    expect(breaker.canRequest()).toBe(true);
  });

  it('a hung region fails key generation within the short deadline', async () => {
    const hung = net.createServer((sock) => sock.on('error', () => undefined));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/graphql`;
    const regions = new RegionRegistry('eu-west-1', [{ name: 'eu-west-1', kmsUrl: url }]);
    const src = new RegionalKmsDataSource(regions, new RegionCircuits(regions), transport, 'i'.repeat(32), 3000);
    const started = Date.now();
    const res: any = await src.process({ request: { query: 'mutation { createKmsKey(input: { identity: "k", type: RSA_4096 }) { identity } }', variables: {} }, context: { requestId: 'r2', region: 'eu-west-1' } } as any);
    expect(Date.now() - started).toBeLessThan(550);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    hung.close();
  });
});
