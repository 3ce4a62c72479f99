import type { RunningKms } from '../subgraphs/kms/server';
import { DEFAULT_BREAKER } from '../shared/circuitBreaker';
import { startStack, type Stack } from './support/stack';

/**
 * A key generation that outlasts its own deadline (KEYGEN_TIMEOUT_MS) in a region whose KMS
 * answered its health check says the request was slow, not that the region is down. Such
 * timeouts used to count as region failures: a few projects' slow RSA-4096 creates opened the
 * region's circuit breaker and every other tenant got 503 for every KMS call there. Now they
 * answer 503 themselves (nothing written) and the region stays open for everyone else.
 */
const region = 'eu-west-1';
const TIMEOUTS = DEFAULT_BREAKER.failureThreshold + 1;
let stack: Stack;

beforeAll(async () => {
  // 150 ms at the gateway: every RSA-4096 generation outlasts it (the kms is told 150 ms too and commits nothing past it).
  stack = await startStack({ label: 'kms-keygen-breaker', kms: true, serviceEnv: { gateway: { KEYGEN_TIMEOUT_MS: '150' } } });
}, 60_000);
afterAll(() => stack?.stop());

test(`more key-generation timeouts than the breaker threshold (${DEFAULT_BREAKER.failureThreshold}) leave the region's KMS open to another project`, async () => {
  const bystander = await stack.token(['kms:admin', 'kms:encrypt'], { project: 'bystander' });
  // The bystander's key is made straight at the kms (no gateway deadline).
  const kms = stack.kms(region) as RunningKms;
  const made = await stack.gql(`mutation { createKmsKey(input: { identity: "mine", type: AES256_GCM96 }) { identity } }`, {}, {
    url: kms.url,
    token: bystander.token,
    headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET },
  });
  expect(made.status).toBe(200);

  // Projects of their own each, so none waits for a slot of its project: each really generates.
  const tokens = await Promise.all(Array.from({ length: TIMEOUTS }, (_, i) => stack.token(['kms:admin'], { project: `slow-${i}` })));
  const answers = await Promise.all(
    tokens.map((t) => stack.gql(`mutation { createKmsKey(input: { identity: "big", type: RSA_4096 }) { identity } }`, {}, { region, token: t.token })),
  );
  for (const r of answers) {
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'REGION_UNAVAILABLE' });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  const enc = await stack.gql(`mutation { encrypt(input: { keyIdentity: "mine", plaintext: "aGVsbG8=" }) { keyVersion } }`, {}, { region, token: bystander.token });
  expect({ status: enc.status, data: enc.body.data, errors: enc.body.errors }).toEqual({ status: 200, data: { encrypt: { keyVersion: 1 } }, errors: undefined });

  // The abandoned generations finish in the background; let them, before the stack stops.
  await kms.kms.keygen.idle();
}, 60_000);
