import { startStack, type Stack } from './support/stack';

/**
 * RSA-4096 key generation runs inside createKmsKey / rotateKmsKey and takes ~0.5–3 s (more under
 * load), longer than the gateway's subgraph timeout (SUBGRAPH_TIMEOUT_MS, 2 s). Key generation has
 * its own gateway deadline (KEYGEN_TIMEOUT_MS, 10 s), but on a loaded machine three at once can
 * outlast even that: a healthy region then answered 503 REGION_UNAVAILABLE while the kms went on
 * and created the key (a retry got 409 ALREADY_EXISTS). The kms now learns the gateway's wait
 * (x-timeout-ms) and does not commit past it, so whatever the load, an answer tells the truth:
 * 200 and the key exists, or 503 and it does not (and a rotation answered 503 added no version).
 * Rounds of three concurrent creates (a provisioning script's load) and concurrent rotations, on a
 * gateway whose circuit breaker does not open, so every call really reaches the kms.
 */
const ROUNDS = 3;
const PER_ROUND = 3;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-rsa4096', kms: true, gatewayOptions: { breaker: { failureThreshold: 1_000_000, resetAfterMs: 60_000 } } });
}, 60_000);
afterAll(() => stack?.stop());

test.each(['us-east-1', 'eu-west-1'])(
  '%s: concurrent RSA_4096 createKmsKey / rotateKmsKey, three at once: 200 means the key (or version) exists, 503 means it does not',
  async (region) => {
    const outcomes: { identity: string; status: number; code?: string; ms: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: PER_ROUND }, async (_, i) => {
          const identity = `rsa-${round}-${i}`;
          const t0 = Date.now();
          const r = await stack.gql(`mutation($i: String!) { createKmsKey(input: { identity: $i, type: RSA_4096 }) { identity type status } }`, { i: identity }, { region });
          outcomes.push({ identity, status: r.status, code: r.body.errors?.[0]?.extensions?.code, ms: Date.now() - t0 });
        }),
      );
    }
    // Rotations generate a key pair too: three at once, on keys that were created.
    const toRotate = outcomes.filter((o) => o.status === 200).map((o) => o.identity).sort().slice(0, 3);
    await Promise.all(
      toRotate.map(async (identity) => {
        const t0 = Date.now();
        const r = await stack.gql(`mutation($i: String!) { rotateKmsKey(identity: $i) { latestVersion } }`, { i: identity }, { region });
        outcomes.push({ identity: `${identity} (rotate)`, status: r.status, code: r.body.errors?.[0]?.extensions?.code, ms: Date.now() - t0 });
        if (r.status === 200) expect(r.body.data.rotateKmsKey.latestVersion).toBe(2);
      }),
    );
    // Only REGION_UNAVAILABLE may stand for "too slow this time"; nothing else goes wrong.
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.filter((o) => o.status !== 503 || o.code !== 'REGION_UNAVAILABLE')).toEqual([]);
    // Exactly the creates answered 200 made a key: none answered 503 exists.
    const created = outcomes.filter((o) => !o.identity.endsWith('(rotate)') && o.status === 200).map((o) => o.identity).sort();
    const r = await stack.gql(`{ kmsKeys(first: 100) { nodes { identity latestVersion } } }`, {}, { region });
    const keys: { identity: string; latestVersion: number }[] = r.body.data.kmsKeys.nodes;
    expect({ listed: keys.map((k) => k.identity), failed }).toEqual({ listed: created, failed });
    // A rotation answered 503 added no version.
    for (const o of outcomes.filter((x) => x.identity.endsWith('(rotate)'))) {
      const key = keys.find((k) => `${k.identity} (rotate)` === o.identity);
      if (key) expect({ rotation: o.identity, latestVersion: key.latestVersion }).toEqual({ rotation: o.identity, latestVersion: o.status === 200 ? 2 : 1 });
    }
    // Not vacuous: on any machine most of this load gets through.
    expect(created.length).toBeGreaterThan(0);
  },
  120_000,
);
