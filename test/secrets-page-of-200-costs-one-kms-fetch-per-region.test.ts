import net from 'node:net';
import Redis from 'ioredis';
import { startStack, type Stack } from './support/stack';

/**
 * DESIGN "One round trip per subgraph request where possible": a page of 200 secrets spread over
 * two regions, with `kmsKey { status }`, costs exactly one kms fetch per region (counted at each
 * kms subgraph's HTTP server) and a constant number of Redis round trips per subgraph request —
 * the same for 20 secrets as for 200. The reverse edge (KmsKey.boundSecrets / boundSecretCount
 * for a page of keys) is batched the same way. With one region's KMS down, that region's kmsKey
 * fields are null with REGION_UNAVAILABLE errors, the rest resolve, HTTP 200.
 *
 * How round trips are counted: each service under test reaches Redis through its own TCP proxy
 * that watches the conversation on every connection. A round trip is a burst of client→server
 * bytes that begins after the server last spoke (or at the start): the client has to wait for
 * an answer before it can send again. However the bytes are chunked, a pipeline of 200 commands
 * written at once is one trip; 200 commands each awaiting its reply are 200 trips.
 */
class RoundTripCounter {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  trips = 0;
  port = 0;

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: 6379 });
      this.sockets.add(client).add(upstream);
      let clientSpeaking = false;
      client.on('data', (chunk) => {
        if (!clientSpeaking) this.trips++;
        clientSpeaking = true;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        clientSpeaking = false;
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const N = 200;
let stack: Stack;
const redisTrips: Record<string, RoundTripCounter> = {};
const kmsFetches: Record<string, number> = { 'us-east-1': 0, 'eu-west-1': 0 };

function watchKms(region: string) {
  stack.kms(region).server.on('request', () => kmsFetches[region]++);
}

beforeAll(async () => {
  for (const name of ['secrets', 'kms-us-east-1', 'kms-eu-west-1']) redisTrips[name] = await new RoundTripCounter().start();
  stack = await startStack({
    label: 'sec-page200',
    kms: true,
    secrets: true,
    redisUrls: Object.fromEntries(Object.entries(redisTrips).map(([k, v]) => [k, v.url])),
    // Every request looks its token up: whether a lookup is still cached (≤ 1 s) must not change the count.
    env: { TOKEN_CACHE_MS: '0' },
  });
  for (const region of REGIONS) watchKms(region);
  // 100 keys per region; secret i is bound to key i/2 of region i%2: 200 secrets over two regions.
  const work: (() => Promise<unknown>)[] = [];
  for (let k = 0; k < N / 2; k++) {
    for (const region of REGIONS) {
      work.push(() => stack.ok(`mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity: `key-${k}`, type: 'AES256_GCM96' } }, { region }));
    }
  }
  await inBatches(work, 25);
  const secrets: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < N; i++) {
    const region = REGIONS[i % 2];
    const path = `page/s-${String(i).padStart(3, '0')}`;
    secrets.push(() => stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: `key-${Math.floor(i / 2)}`, region } }));
  }
  await inBatches(secrets, 25);
  // One key of us-east-1 disabled: the page shows a mix of states.
  await stack.ok(`mutation { disableKmsKey(identity: "key-0") { status } }`, {}, { region: 'us-east-1' });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const c of Object.values(redisTrips)) await c.stop();
});

async function inBatches(work: (() => Promise<unknown>)[], size: number) {
  for (let i = 0; i < work.length; i += size) await Promise.all(work.slice(i, i + size).map((w) => w()));
}

async function measured<T>(run: () => Promise<T>): Promise<{ result: T; trips: Record<string, number>; fetches: Record<string, number> }> {
  const trips0 = Object.fromEntries(Object.entries(redisTrips).map(([k, v]) => [k, v.trips]));
  const fetches0 = { ...kmsFetches };
  const result = await run();
  return {
    result,
    trips: Object.fromEntries(Object.entries(redisTrips).map(([k, v]) => [k, v.trips - trips0[k]])),
    fetches: Object.fromEntries(Object.entries(kmsFetches).map(([k, v]) => [k, v - fetches0[k]])),
  };
}

test('the counter counts round trips: 30 awaited commands = 30 trips, a pipeline of 30 = 1 trip', async () => {
  const counter = await new RoundTripCounter().start();
  const client = new Redis(counter.url, { keyPrefix: stack.prefix });
  try {
    await client.ping();
    let before = counter.trips;
    for (let i = 0; i < 30; i++) await client.get(`probe-${i}`);
    expect(counter.trips - before).toBe(30);
    before = counter.trips;
    const pipe = client.pipeline();
    for (let i = 0; i < 30; i++) pipe.get(`probe-${i}`);
    await pipe.exec();
    expect(counter.trips - before).toBe(1);
  } finally {
    client.disconnect();
    await counter.stop();
  }
});

const PAGE = `query($first: Int) { secrets(pathPrefix: "page/", first: $first) { nodes { path region kmsKey { identity status } } pageInfo { hasNextPage } } }`;

test('200 secrets over two regions with kmsKey { status }: one kms fetch per region, constant Redis round trips', async () => {
  await stack.gql(PAGE, { first: N }); // warm-up: Lua scripts loaded, connections open
  const small = await measured(() => stack.gql(PAGE, { first: 20 }));
  const big = await measured(() => stack.gql(PAGE, { first: N }));

  expect(big.result.status).toBe(200);
  expect(big.result.body.errors).toBeUndefined();
  const nodes = big.result.body.data.secrets.nodes;
  expect(nodes).toHaveLength(N);
  expect(big.result.body.data.secrets.pageInfo.hasNextPage).toBe(false);
  for (const n of nodes) {
    const i = Number(n.path.slice(-3));
    expect(n.region).toBe(REGIONS[i % 2]);
    expect(n.kmsKey.identity).toBe(`key-${Math.floor(i / 2)}`);
    expect(n.kmsKey.status).toBe(n.region === 'us-east-1' && n.kmsKey.identity === 'key-0' ? 'DISABLED' : 'ACTIVE');
  }

  // Exactly one _entities fetch per region, whatever the page size.
  expect(big.fetches).toEqual({ 'us-east-1': 1, 'eu-west-1': 1 });
  expect(small.fetches).toEqual({ 'us-east-1': 1, 'eu-west-1': 1 });
  // A constant, small number of Redis round trips per subgraph request: 200 costs what 20 cost.
  // (secrets: feature gates, index range, one pipelined metadata read; kms: gates, one pipelined key read.)
  for (const svc of Object.keys(redisTrips)) {
    expect([svc, big.trips[svc]]).toEqual([svc, small.trips[svc]]);
    expect(big.trips[svc]).toBeGreaterThan(0);
    expect(big.trips[svc]).toBeLessThanOrEqual(5);
  }
});

test('KmsKey.boundSecrets / boundSecretCount for a page of keys: constant Redis round trips in the secrets subgraph', async () => {
  const KEYS = `query($first: Int) { kmsKeys(first: $first) { nodes { identity boundSecretCount boundSecrets(first: 5) { nodes { path region } } } } }`;
  await stack.gql(KEYS, { first: 100 }, { region: 'eu-west-1' });
  const small = await measured(() => stack.gql(KEYS, { first: 10 }, { region: 'eu-west-1' }));
  const big = await measured(() => stack.gql(KEYS, { first: 100 }, { region: 'eu-west-1' }));
  expect(big.result.body.errors).toBeUndefined();
  const keys = big.result.body.data.kmsKeys.nodes;
  expect(keys).toHaveLength(100);
  for (const k of keys) {
    expect(k.boundSecretCount).toBe(1);
    const n = Number(k.identity.slice(4));
    expect(k.boundSecrets.nodes).toEqual([{ path: `page/s-${String(2 * n + 1).padStart(3, '0')}`, region: 'eu-west-1' }]);
  }
  expect(big.trips.secrets).toBe(small.trips.secrets);
  expect(big.trips.secrets).toBeLessThanOrEqual(5);
});

test("one region's KMS down: its kmsKey fields are null with REGION_UNAVAILABLE, the rest resolve, HTTP 200", async () => {
  await stack.stopKms('eu-west-1');
  try {
    const r = await stack.gql(PAGE, { first: N });
    expect(r.status).toBe(200);
    const nodes = r.body.data.secrets.nodes;
    expect(nodes).toHaveLength(N);
    const eu = nodes.filter((n: any) => n.region === 'eu-west-1');
    const us = nodes.filter((n: any) => n.region === 'us-east-1');
    expect(eu.every((n: any) => n.kmsKey === null)).toBe(true);
    expect(us.every((n: any) => n.kmsKey !== null && typeof n.kmsKey.status === 'string')).toBe(true);
    const errors = r.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
    // Errors point at the eu nodes, not the us ones.
    const erroredIndexes = new Set(errors.map((e: any) => e.path?.[2]).filter((x: unknown) => typeof x === 'number'));
    for (const i of erroredIndexes) expect(nodes[i as number].region).toBe('eu-west-1');
  } finally {
    await stack.restartKms('eu-west-1');
    watchKms('eu-west-1');
  }
});
