import { createCipheriv, randomBytes } from 'node:crypto';
import { KeyStore, keyMetadataMac } from '../subgraphs/kms/store/keyStore';
import { secretAssociatedData } from '../subgraphs/secrets/domain/associatedData';
import { SecretStore, newSecretUid } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';

/**
 * "Is this key in use?" through the gateway, in both KMS regions: KmsKey.lastUsedAt is null until
 * the key's first crypto operation, direct or on behalf of secrets (a reveal), and
 * disableKmsKey / scheduleKmsKeyDeletion with ifUnusedSinceDays refuse a recently used key with
 * 409 KEY_IN_USE (extensions.lastUsedAt), audited as a FAILURE, leaving the key ACTIVE. Without
 * the argument, or for a key unused within the window, the change goes through.
 */
jest.setTimeout(60_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'key-in-use', kms: true, secrets: true });
});
afterAll(() => stack.stop());

const DAY_MS = 86_400_000;
const KEY = 'query($id: String!) { kmsKey(identity: $id) { status lastUsedAt } }';
const DISABLE = 'mutation($id: String!, $days: Int) { disableKmsKey(identity: $id, ifUnusedSinceDays: $days) { status } }';
const SCHEDULE = 'mutation($id: String!, $days: Int) { scheduleKmsKeyDeletion(identity: $id, pendingWindowDays: 7, ifUnusedSinceDays: $days) { status } }';

describe.each(['us-east-1', 'eu-west-1'])('in %s', (region) => {
  const opts = { region };
  const createKey = (id: string, exportable = false) =>
    stack.ok('mutation($id: String!, $e: Boolean) { createKmsKey(input: { identity: $id, type: AES256_GCM96, exportable: $e }) { identity } }', { id, e: exportable }, opts);
  const key = async (id: string) => (await stack.ok(KEY, { id }, opts)).kmsKey;
  const auditOf = async (requestId: string) =>
    (await stack.ok('query($f: AuditEventFilterInput) { auditEvents(filter: $f) { nodes { action outcome errorCode resource region } } }', { f: { requestId } }))
      .auditEvents.nodes;

  test('lastUsedAt is null before use and set by encrypt; a recently used key is KEY_IN_USE until asked without the check', async () => {
    await createKey('busy');
    expect(await key('busy')).toEqual({ status: 'ACTIVE', lastUsedAt: null });

    const before = Date.now();
    await stack.ok('mutation { encrypt(input: { keyIdentity: "busy", plaintext: "aGk=" }) { keyVersion } }', {}, opts);
    const after = Date.now();
    const { lastUsedAt } = await key('busy');
    expect(Date.parse(lastUsedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(lastUsedAt)).toBeLessThanOrEqual(after);

    for (const [query, action] of [[DISABLE, 'kms.disable_key'], [SCHEDULE, 'kms.schedule_deletion']] as const) {
      const requestId = `in-use-${action}-${region}-${randomBytes(4).toString('hex')}`;
      const r = await stack.gql(query, { id: 'busy', days: 30 }, { ...opts, requestId });
      expect(r.status).toBe(409);
      expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: 'KEY_IN_USE', lastUsedAt });
      expect(r.body.data).toBeNull();
      // Refused without a change, and audited like any failed lifecycle change.
      expect(await key('busy')).toEqual({ status: 'ACTIVE', lastUsedAt });
      expect(await auditOf(requestId)).toEqual([{ action, outcome: 'FAILURE', errorCode: 'KEY_IN_USE', resource: `kms-key:${region}/busy`, region }]);
    }

    // The check is opt-in: without it, the same key is disabled, then scheduled for deletion.
    expect((await stack.ok(DISABLE, { id: 'busy' }, opts)).disableKmsKey.status).toBe('DISABLED');
    expect((await stack.ok(SCHEDULE, { id: 'busy', days: null }, opts)).scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');
  });

  test('a key never used, or last used before the window, passes the check', async () => {
    await createKey('idle');
    expect((await stack.ok(DISABLE, { id: 'idle', days: 1 }, opts)).disableKmsKey.status).toBe('DISABLED');
    expect((await stack.ok(SCHEDULE, { id: 'idle', days: 1 }, opts)).scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');

    // Last used 40 days ago (as another replica would have recorded it).
    await createKey('old');
    const usedAt = Date.now() - 40 * DAY_MS;
    const store = new KeyStore(stack.services.get(`kms-${region}`)!.redis, keyMetadataMac(stack.services.get(`kms-${region}`)!.config.kmsRootKey!));
    expect(await store.recordUse({ region, project: 'default', identity: 'old' }, usedAt, 60_000)).toBe(true);
    expect(await key('old')).toEqual({ status: 'ACTIVE', lastUsedAt: new Date(usedAt).toISOString() });
    const r = await stack.gql(SCHEDULE, { id: 'old', days: 60 }, opts);
    expect({ status: r.status, ext: r.body.errors?.[0]?.extensions }).toEqual({
      status: 409,
      ext: expect.objectContaining({ code: 'KEY_IN_USE', lastUsedAt: new Date(usedAt).toISOString() }),
    });
    expect((await stack.ok(SCHEDULE, { id: 'old', days: 30 }, opts)).scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');
  });

  test('ifUnusedSinceDays outside 1..3650 is BAD_USER_INPUT and changes nothing; an unknown key is NOT_FOUND', async () => {
    await createKey('strict');
    for (const days of [0, -1, 3651]) {
      for (const query of [DISABLE, SCHEDULE]) {
        const r = await stack.gql(query, { id: 'strict', days }, opts);
        expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code, field: r.body.errors?.[0]?.extensions?.field }).toEqual({
          status: 400, code: 'BAD_USER_INPUT', field: 'ifUnusedSinceDays',
        });
      }
    }
    expect((await key('strict')).status).toBe('ACTIVE');
    const r = await stack.gql(DISABLE, { id: 'nobody', days: 30 }, opts);
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  test('a reveal through secrets (on behalf of the caller) counts as a use of the key', async () => {
    // The value is encrypted offline with the exported material, so only the reveal can use the key.
    await createKey('reveal', true);
    const material = Buffer.from((await stack.ok('mutation { exportKmsKey(identity: "reveal") { keyMaterial } }', {}, opts)).exportKmsKey.keyMaterial, 'base64');
    const path = `app/${region}/db`;
    const uid = newSecretUid();
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, nonce);
    cipher.setAAD(secretAssociatedData('default', path, 1, uid));
    const body = Buffer.concat([nonce, cipher.update('s3cret', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const secrets = new SecretStore(stack.services.get('secrets')!.redis);
    await secrets.createSecret({
      project: 'default', path, region, kmsKeyIdentity: 'reveal', description: null, tags: [], maxVersions: 10, uid,
      firstVersion: { ciphertext: `kms:v1:${body.toString('base64')}`, kmsKeyVersion: 1 },
    });
    expect((await key('reveal')).lastUsedAt).toBeNull();

    const before = Date.now();
    const revealed = await stack.ok('query($p: String!) { getSecretValue(path: $p) { value } }', { p: path });
    expect(revealed.getSecretValue.value).toBe('s3cret');
    const { lastUsedAt } = await key('reveal');
    expect(Date.parse(lastUsedAt)).toBeGreaterThanOrEqual(before);
    const r = await stack.gql(DISABLE, { id: 'reveal', days: 30 }, opts);
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ status: 409, code: 'KEY_IN_USE' });
    // The same answer through the secret's own view of its key.
    const viaSecret = await stack.ok('query($p: String!) { secret(path: $p) { kmsKey { lastUsedAt status } } }', { p: path });
    expect(viaSecret.secret.kmsKey).toEqual({ lastUsedAt, status: 'ACTIVE' });
  });
});
