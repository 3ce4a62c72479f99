import type { RunningKms } from '../subgraphs/kms/server';
import { startStack, type Stack } from './support/stack';

/**
 * createKmsKey on an identity that is taken answers ALREADY_EXISTS before generating anything:
 * an RSA-4096 key pair costs a second or more of CPU, so requests of aliased creates of a taken
 * identity used to keep a region's kms busy generating key pairs only to throw them away (and
 * outlast the gateway's deadline). The kms counts the key generations it ran; none may run here.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'kms-create-taken', kms: true });
}, 60_000);
afterAll(() => stack?.stop());

const REQUESTS = 10;
const ALIASES = 3;

test.each(['us-east-1', 'eu-west-1'])('%s: concurrent requests of aliased RSA_4096 creates of a taken identity are each ALREADY_EXISTS, and no key is generated', async (region) => {
  await stack.ok(`mutation { createKmsKey(input: { identity: "taken", type: ED25519 }) { identity } }`, {}, { region });
  const keygen = (stack.kms(region) as RunningKms).kms.keygen;
  const before = keygen.generations;

  const fields = Array.from({ length: ALIASES }, (_, i) => `c${i}: createKmsKey(input: { identity: "taken", type: RSA_4096 }) { identity }`);
  const answers = await Promise.all(Array.from({ length: REQUESTS }, () => stack.gql(`mutation { ${fields.join(' ')} }`, {}, { region })));

  for (const r of answers) {
    expect({ status: r.status, codes: (r.body.errors ?? []).map((e: any) => e.extensions?.code) }).toEqual({ status: 409, codes: ['ALREADY_EXISTS'] });
  }
  expect(keygen.generations - before).toBe(0);
  // The key is untouched: still the ED25519 key with its one version.
  const k = await stack.ok(`{ kmsKey(identity: "taken") { type latestVersion } }`, {}, { region });
  expect(k.kmsKey).toEqual({ type: 'ED25519', latestVersion: 1 });
});
