import { testConfig } from './support/env';
import { b64 } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/** Audit is fail-closed: when the event cannot be written, no result leaves the KMS. */
let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-auditfail'));
});
afterAll(async () => h.stop());

it('encrypt, decrypt and export return no value when the audit write fails', async () => {
  const admin = (await h.services.tokens.create({ name: 'a', project: 'broken-audit', scopes: ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt'], pathPrefixes: null, expiresAt: null })).token;
  await h.ok(Q.create, { input: { identity: 'k', type: 'AES256_GCM96', exportable: true } }, { token: admin });
  const ct = (await h.ok(Q.encrypt, { input: { keyIdentity: 'k', plaintext: b64('x') } }, { token: admin })).encrypt.ciphertext;
  // Break the project's audit stream: the next append fails (WRONGTYPE).
  await h.services.redis.del('audit:{broken-audit}');
  await h.services.redis.set('audit:{broken-audit}', 'not a stream');
  try {
    for (const [q, vars] of [
      [Q.encrypt, { input: { keyIdentity: 'k', plaintext: b64('x') } }],
      [Q.decrypt, { input: { keyIdentity: 'k', ciphertext: ct } }],
      [Q.export, { id: 'k' }],
    ] as const) {
      const r = await h.gql(q, vars, { token: admin });
      expect(r.body.data ?? null).toBeNull();
      expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(JSON.stringify(r.body)).not.toContain(b64('x'));
    }
  } finally {
    await h.services.redis.del('audit:{broken-audit}');
  }
});
