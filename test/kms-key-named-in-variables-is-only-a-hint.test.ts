import { testConfig } from './support/env';
import { b64, failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/**
 * The KMS starts reading the key a request's variables name (`"keyIdentity": …`) beside the
 * rate-limit check. That read is only a hint: the operation works on the key its arguments name,
 * in the state it has, whatever else the variables mention.
 */
let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-hint'));
  for (const identity of ['hint-used', 'hint-decoy']) await h.ok(Q.create, { input: { identity, type: 'AES256_GCM96' } });
});
afterAll(async () => h.stop());

/** encrypt with `used` inline in the query, and `decoy` as the first keyIdentity of the variables (not used by the operation). */
const encryptNaming = (used: string, decoy: string) =>
  h.gql(`mutation($p: String!) { encrypt(input: { keyIdentity: "${used}", plaintext: $p }) { keyIdentity } }`, { decoy: { keyIdentity: decoy }, p: b64('x') } as any);

it('an operation uses the key its arguments name, not another one its variables mention', async () => {
  const r = await encryptNaming('hint-used', 'hint-decoy');
  expect({ status: r.status, data: r.body.data }).toEqual({ status: 200, data: { encrypt: { keyIdentity: 'hint-used' } } });
});

it('the state that counts is that of the key used: disabled, it refuses; the other one disabled does not matter', async () => {
  await h.ok(Q.disable, { id: 'hint-used' });
  expect(failure(await encryptNaming('hint-used', 'hint-decoy'))).toEqual(expect.objectContaining({ status: 400, code: 'KMS_KEY_NOT_ACTIVE' }));
  const flipped = await encryptNaming('hint-decoy', 'hint-used');
  expect({ status: flipped.status, data: flipped.body.data }).toEqual({ status: 200, data: { encrypt: { keyIdentity: 'hint-decoy' } } });
});

it('a key named only in the variables of a request for an absent key does not stand in for it', async () => {
  expect(failure(await encryptNaming('hint-absent', 'hint-decoy'))).toEqual(expect.objectContaining({ code: 'NOT_FOUND' }));
});
