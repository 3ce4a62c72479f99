import { createAssertion, INTERNAL_KMS_PATHS, onBehalfKey } from '../shared/onBehalfOf';
import { testConfig } from './support/env';
import { b64 } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/**
 * A peer acting on a caller's behalf (secrets → kms) is held to the caller's `kms` feature gate,
 * read beside the assertion's nonce claim: gate off → 403 FEATURE_DISABLED, audited as the
 * caller's denial; the gate is read per request (back on → works at once); a replay stays 401.
 */
let h: KmsHarness;
let key: Buffer;
const caller = { tokenId: 'abcdef0123456789', project: 'obo-gated' };
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-obo-gate'));
  key = onBehalfKey(h.config.serviceCredential!);
});
afterAll(async () => h.stop());

async function encryptAsSecrets(requestId: string, obo = createAssertion(key, { ...caller, requestId, operation: 'encrypt' })) {
  const r = await fetch(new URL(INTERNAL_KMS_PATHS.encrypt, h.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-internal-secret': h.config.internalSecret, 'x-request-id': requestId, 'x-on-behalf-of': obo },
    body: JSON.stringify({ input: { keyIdentity: 'gk', plaintext: b64('hello') } }),
  });
  return { status: r.status, body: (await r.json()) as any, obo };
}

it('gate off: 403 FEATURE_DISABLED and an audited denial; back on: encrypts; a replay is 401', async () => {
  const admin = (await h.services.tokens.create({ name: 'a', project: caller.project, scopes: ['kms:admin', 'kms:read'], pathPrefixes: null, expiresAt: null })).token;
  await h.ok(Q.create, { input: { identity: 'gk', type: 'AES256_GCM96' } }, { token: admin });
  await h.services.gates.set(caller.project, 'kms', false);
  const off = await encryptAsSecrets('obo-gate-off');
  expect(off.status).toBe(403);
  expect(off.body.errors[0].extensions).toMatchObject({ code: 'FEATURE_DISABLED', feature: 'kms' });
  const events = (await h.services.audit.query(caller.project, { requestId: 'obo-gate-off' }, 5, null)).events;
  expect(events).toEqual([expect.objectContaining({ action: 'auth.denied', outcome: 'DENIED', errorCode: 'FEATURE_DISABLED', actor: caller.tokenId, via: 'secrets' })]);

  await h.services.gates.set(caller.project, 'kms', true);
  const on = await encryptAsSecrets('obo-gate-on');
  expect(on.status).toBe(200);
  expect(on.body.data.encrypt).toMatchObject({ keyIdentity: 'gk', keyVersion: 1 });
  expect((await encryptAsSecrets('obo-gate-on', on.obo)).status).toBe(401);
});
