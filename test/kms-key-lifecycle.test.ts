import { testConfig } from './support/env';
import { failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms'));
});
afterAll(async () => h.stop());

const create = (identity: string, type: string, extra: Record<string, unknown> = {}) =>
  h.ok(Q.create, { input: { identity, type, ...extra } }).then((d) => d.createKmsKey);

async function auditOf(requestId: string) {
  return (await h.services.audit.query('default', { requestId }, 50, null)).events;
}

describe('createKmsKey', () => {
  it('creates every key type with its purpose, version 1, ACTIVE, not exportable by default', async () => {
    const purposes: Record<string, string> = {
      AES128_GCM96: 'ENCRYPT_DECRYPT', AES256_GCM96: 'ENCRYPT_DECRYPT', CHACHA20_POLY1305: 'ENCRYPT_DECRYPT',
      RSA_2048: 'SIGN_VERIFY', RSA_4096: 'SIGN_VERIFY', ECDSA_P256: 'SIGN_VERIFY', ED25519: 'SIGN_VERIFY', HMAC_SHA256: 'GENERATE_VERIFY_MAC',
    };
    for (const [type, purpose] of Object.entries(purposes)) {
      const k = await create(`all-${type.toLowerCase().replace(/_/g, '-')}`, type, { description: 'd' });
      expect(k).toMatchObject({ region: 'us-east-1', type, purpose, status: 'ACTIVE', exportable: false, latestVersion: 1, minDecryptionVersion: 1, minEncryptionVersion: 0, description: 'd', deletionDate: null, autoRotatePeriodDays: null });
      expect(k.versions).toEqual([{ version: 1, createdAt: k.createdAt }]);
      expect(Number.isNaN(Date.parse(k.createdAt))).toBe(false);
    }
  });

  it('refuses a taken identity with 409 ALREADY_EXISTS', async () => {
    await create('taken', 'AES256_GCM96');
    const r = await h.gql(Q.create, { input: { identity: 'taken', type: 'HMAC_SHA256' } });
    expect(failure(r)).toMatchObject({ status: 409, code: 'ALREADY_EXISTS' });
  });

  it('refuses identities outside ^[a-z0-9][a-z0-9-]{0,62}$ and bad enum values with 400', async () => {
    for (const identity of ['Bad', '-x', 'a'.repeat(64), 'a_b', '']) {
      const r = await h.gql(Q.create, { input: { identity, type: 'AES256_GCM96' } });
      expect(failure(r)).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    }
    const r = await h.gql(Q.create, { input: { identity: 'ok', type: 'DES' } });
    expect(r.status).toBe(400);
  });

  it('identity is unique per project and region: another project may reuse it', async () => {
    await create('shared-name', 'AES256_GCM96');
    const other = await h.services.tokens.create({ name: 't', project: 'other-project', scopes: ['kms:admin', 'kms:read'], pathPrefixes: null, expiresAt: null });
    const d = await h.ok(Q.create, { input: { identity: 'shared-name', type: 'ED25519' } }, { token: other.token });
    expect(d.createKmsKey.type).toBe('ED25519');
    const mine = await h.ok(Q.get, { id: 'shared-name' });
    expect(mine.kmsKey.type).toBe('AES256_GCM96');
  });

  it('writes kms.create_key with keyVersion 1', async () => {
    await h.ok(Q.create, { input: { identity: 'audited-create', type: 'AES128_GCM96' } }, { headers: { 'x-request-id': 'req-create-1' } });
    const [ev] = await auditOf('req-create-1');
    expect(ev).toMatchObject({ action: 'kms.create_key', outcome: 'SUCCESS', resource: 'kms-key:us-east-1/audited-create', keyVersion: 1, actor: 'root', region: 'us-east-1' });
  });
});

describe('queries', () => {
  it('kmsKey is null for an absent key', async () => {
    expect((await h.ok(Q.get, { id: 'nope' })).kmsKey).toBeNull();
  });

  it('kmsKeys pages in identity order and filters by status', async () => {
    const cfg = testConfig({ REGION: 'us-east-1', KMS_ROOT_KEY: h.config.kmsRootKey!.toString('base64') }, 'kms-list');
    const lh = await startKmsHarness(cfg);
    try {
      for (const id of ['l-a', 'l-b', 'l-c', 'l-d', 'l-e']) await lh.ok(Q.create, { input: { identity: id, type: 'AES256_GCM96' } });
      await lh.ok(Q.disable, { id: 'l-b' });
      await lh.ok(Q.disable, { id: 'l-d' });
      const p1 = (await lh.ok(Q.list, { first: 2 })).kmsKeys;
      expect(p1.nodes.map((n: any) => n.identity)).toEqual(['l-a', 'l-b']);
      // Opaque: the cursor does not carry the identity in clear.
      expect(p1.pageInfo.hasNextPage).toBe(true);
      expect(Buffer.from(p1.pageInfo.endCursor, 'base64url').toString('latin1')).not.toContain('l-b');
      const p2 = (await lh.ok(Q.list, { first: 2, after: p1.pageInfo.endCursor })).kmsKeys;
      expect(p2.nodes.map((n: any) => n.identity)).toEqual(['l-c', 'l-d']);
      const p3 = (await lh.ok(Q.list, { first: 2, after: p2.pageInfo.endCursor })).kmsKeys;
      expect(p3.nodes.map((n: any) => n.identity)).toEqual(['l-e']);
      expect(p3.pageInfo.hasNextPage).toBe(false);
      const disabled = (await lh.ok(Q.list, { status: 'DISABLED' })).kmsKeys;
      expect(disabled.nodes).toEqual([{ identity: 'l-b', status: 'DISABLED' }, { identity: 'l-d', status: 'DISABLED' }]);
      const all = (await lh.ok(`{ kmsKeys { nodes { identity } pageInfo { hasNextPage } } }`)).kmsKeys;
      expect(all.nodes).toHaveLength(5);
      expect(failure(await lh.gql(Q.list, { first: -1 }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    } finally {
      await lh.stop();
    }
  });
});

describe('rotate and update', () => {
  it('rotation adds versions; update enforces Vault rules', async () => {
    await create('rot', 'AES256_GCM96');
    const r1 = (await h.ok(Q.rotate, { id: 'rot' }, { headers: { 'x-request-id': 'req-rotate-1' } })).rotateKmsKey;
    expect(r1.latestVersion).toBe(2);
    expect((await auditOf('req-rotate-1'))[0]).toMatchObject({ action: 'kms.rotate_key', keyVersion: 2, outcome: 'SUCCESS' });
    const r2 = (await h.ok(Q.rotate, { id: 'rot' })).rotateKmsKey;
    expect(r2.versions.map((v: any) => v.version)).toEqual([1, 2, 3]);

    const u = (await h.ok(Q.update, { input: { identity: 'rot', minDecryptionVersion: 2, minEncryptionVersion: 3, description: 'new', autoRotatePeriodDays: 90 } }, { headers: { 'x-request-id': 'req-update-1' } })).updateKmsKey;
    expect(u).toMatchObject({ minDecryptionVersion: 2, minEncryptionVersion: 3, description: 'new', autoRotatePeriodDays: 90 });
    expect((await auditOf('req-update-1'))[0]).toMatchObject({ action: 'kms.update_key', outcome: 'SUCCESS' });

    for (const bad of [{ minDecryptionVersion: 0 }, { minDecryptionVersion: 4 }, { minEncryptionVersion: 1 }, { minEncryptionVersion: 4 }, { autoRotatePeriodDays: -5 }]) {
      const r = await h.gql(Q.update, { input: { identity: 'rot', ...bad } });
      expect(failure(r)).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    }
    const back = (await h.ok(Q.update, { input: { identity: 'rot', minEncryptionVersion: 0, autoRotatePeriodDays: null } })).updateKmsKey;
    expect(back).toMatchObject({ minEncryptionVersion: 0, autoRotatePeriodDays: null, description: 'new', minDecryptionVersion: 2 });
  });

  it('lifecycle on an unknown key is 404 NOT_FOUND', async () => {
    for (const q of [Q.rotate, Q.disable, Q.enable, Q.cancel]) expect(failure(await h.gql(q, { id: 'ghost' }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(failure(await h.gql(Q.update, { input: { identity: 'ghost' } }))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('disable, enable, deletion', () => {
  it('follows the state machine and keeps metadata readable in every state', async () => {
    await create('life', 'AES256_GCM96');
    const d = (await h.ok(Q.disable, { id: 'life' }, { headers: { 'x-request-id': 'req-disable' } })).disableKmsKey;
    expect(d.status).toBe('DISABLED');
    expect((await h.ok(Q.get, { id: 'life' })).kmsKey.status).toBe('DISABLED');
    expect((await h.ok(Q.enable, { id: 'life' }, { headers: { 'x-request-id': 'req-enable' } })).enableKmsKey.status).toBe('ACTIVE');

    const before = Date.now();
    const p = (await h.ok(Q.scheduleDefault, { id: 'life' }, { headers: { 'x-request-id': 'req-schedule' } })).scheduleKmsKeyDeletion;
    expect(p.status).toBe('PENDING_DELETION');
    const days = (Date.parse(p.deletionDate) - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
    const read = (await h.ok(Q.get, { id: 'life' })).kmsKey;
    expect(read).toMatchObject({ status: 'PENDING_DELETION', deletionDate: p.deletionDate, latestVersion: 1 });

    const en = await h.gql(Q.enable, { id: 'life' });
    expect(failure(en)).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(en.body.errors![0].message).toMatch(/cancel/i);
    expect(failure(await h.gql(Q.schedule, { id: 'life', days: 7 }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

    const c = (await h.ok(Q.cancel, { id: 'life' }, { headers: { 'x-request-id': 'req-cancel' } })).cancelKmsKeyDeletion;
    expect(c).toMatchObject({ status: 'DISABLED', deletionDate: null });
    expect(failure(await h.gql(Q.cancel, { id: 'life' }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

    const p7 = (await h.ok(Q.schedule, { id: 'life', days: 7 })).scheduleKmsKeyDeletion;
    expect(Math.round((Date.parse(p7.deletionDate) - Date.now()) / 86_400_000)).toBe(7);
    for (const days of [6, 31, 0]) expect(failure(await h.gql(Q.schedule, { id: 'life', days }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

    const actions = await Promise.all(['req-disable', 'req-enable', 'req-schedule', 'req-cancel'].map(async (id) => (await auditOf(id))[0]?.action));
    expect(actions).toEqual(['kms.disable_key', 'kms.enable_key', 'kms.schedule_deletion', 'kms.cancel_deletion']);
  });

  it('a failed lifecycle call is audited as FAILURE with its code', async () => {
    await h.gql(Q.enable, { id: 'ghost-two' }, { headers: { 'x-request-id': 'req-enable-ghost' } });
    expect((await auditOf('req-enable-ghost'))[0]).toMatchObject({ action: 'kms.enable_key', outcome: 'FAILURE', errorCode: 'NOT_FOUND' });
  });
});
