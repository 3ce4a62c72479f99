import { AuditLog } from '../shared/audit';
import { ApiError } from '../shared/errors';
import { FeatureGates } from '../shared/featureGates';
import { createRedis } from '../shared/redis';
import { TokenStore, tokenRecordMac } from '../shared/tokens';
import type { KmsKeyRecord } from '../subgraphs/kms/domain/keyRing';
import { KeyStore, keyMetadataMac } from '../subgraphs/kms/store/keyStore';
import { newSecretUid, SecretStore } from '../subgraphs/secrets/store/secretStore';
import { testConfig } from './support/env';

/**
 * One project-name rule (shared/identifiers.ts) for every store that writes a project into a
 * Redis key: a name one store takes and another refuses would make a project half-usable, and a
 * name with `{`, `}` or `:` could move keys out of their hash tag.
 */
const VALID = ['default', 'acme', 'a', 'a-1', 'p'.repeat(63)];
const INVALID = ['', 'Acme', 'a_b', 'a:b', '{a}', 'a/b', 'ä', 'p'.repeat(64), '-a'];

const redis = createRedis(testConfig({}, 'project-names').redis);
afterAll(() => redis.quit());

type Verdict = 'accepted' | string;

/** What each name gets from `op`: accepted, or the code it was refused with. */
async function verdicts(op: (project: string, i: number) => Promise<unknown>): Promise<Record<string, Verdict>> {
  const out: Record<string, Verdict> = {};
  let i = 0;
  for (const name of [...VALID, ...INVALID]) {
    try {
      await op(name, i++);
      out[name] = 'accepted';
    } catch (e) {
      out[name] = e instanceof ApiError ? e.code : `unexpected ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return out;
}

const expected: Record<string, Verdict> = Object.fromEntries([...VALID.map((n) => [n, 'accepted']), ...INVALID.map((n) => [n, 'BAD_USER_INPUT'])]);

describe('every store accepts exactly the same project names', () => {
  it('TokenStore: create and list', async () => {
    const tokens = new TokenStore(redis, null, tokenRecordMac('t'.repeat(40)));
    expect(await verdicts((project) => tokens.create({ name: 't', project, scopes: ['audit:read'], pathPrefixes: null, expiresAt: null }))).toEqual(expected);
    expect(await verdicts((project) => tokens.list(project))).toEqual(expected);
  });

  it('FeatureGates: get and set', async () => {
    const gates = new FeatureGates(redis);
    expect(await verdicts((project) => gates.set(project, 'kms', false))).toEqual(expected);
    expect(await verdicts((project) => gates.get(project))).toEqual(expected);
  });

  it('AuditLog: append and query', async () => {
    const audit = new AuditLog(redis);
    expect(await verdicts((project) => audit.append({ action: 'auth.denied', outcome: 'DENIED', actor: 'root', project, resource: 'project:x', requestId: 'names' }))).toEqual(expected);
    expect(await verdicts((project) => audit.query(project, {}, 10, null))).toEqual(expected);
  });

  it('KMS KeyStore: create and get a key record', async () => {
    const keys = new KeyStore(redis, keyMetadataMac(Buffer.alloc(32, 7)));
    const now = new Date().toISOString();
    const record = (project: string, i: number): KmsKeyRecord => ({
      region: 'us-east-1', project, identity: `names-${i}`, type: 'AES256_GCM96', purpose: 'ENCRYPT_DECRYPT', status: 'ACTIVE',
      description: null, exportable: false, createdAt: now, latestVersion: 1, minDecryptionVersion: 1, minEncryptionVersion: 0,
      autoRotatePeriodDays: null, deletionDate: null, rotatedAt: now, materialDestroyed: false, rev: 1,
    });
    // The wrapped material is opaque to the store; these bytes are never unwrapped.
    expect(await verdicts((project, i) => keys.create(record(project, i), { createdAt: now, wrapped: Buffer.alloc(60, 1) }))).toEqual(expected);
    expect(await verdicts((project, i) => keys.get({ region: 'us-east-1', project, identity: `names-${i}` }))).toEqual(expected);
  });

  it('SecretStore: createSecret and getMeta', async () => {
    const secrets = new SecretStore(redis);
    const create = (project: string, i: number) =>
      secrets.createSecret({ project, path: `names/s${i}`, region: 'us-east-1', kmsKeyIdentity: 'k1', description: null, tags: [], maxVersions: 10, uid: newSecretUid() });
    expect(await verdicts(create)).toEqual(expected);
    expect(await verdicts((project, i) => secrets.getMeta(project, `names/s${i}`))).toEqual(expected);
  });
});
