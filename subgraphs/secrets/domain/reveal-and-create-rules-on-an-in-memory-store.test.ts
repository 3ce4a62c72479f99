import { ApiError } from '../../../shared/errors';
import { RegionRegistry } from '../../../shared/regions';
import { pathConfinement, revealAudit } from './batchReveal';
import type { ListSecretsQuery, SecretIndexReads, SecretRepository } from './ports';
import type { Page, SecretMeta, SecretVersionRecord, StoredSecretVersion, VersionState } from './secret';
import { SecretsManager, type KmsPort, type SecretsCall } from './secretsManager';
import { nextState, type VersionAction } from './secretVersion';

/**
 * The domain's rules for reveal and create, run against an in-memory implementation of its own
 * ports (no Redis, no server): which versions may be revealed, which audit event each item of a
 * batch reveal needs, and which region a create is recorded in. None of these reaches KMS: the
 * KMS port refuses every call, so a rule that wrongly let a reveal through fails the test.
 */

class InMemorySecrets implements SecretRepository, Pick<SecretIndexReads, 'listSecrets'> {
  readonly metas = new Map<string, SecretMeta>();
  readonly versions = new Map<string, StoredSecretVersion[]>();

  add(path: string, region: string, states: VersionState[]): SecretMeta {
    const meta: SecretMeta = {
      project: 'acme', path, region, kmsKeyIdentity: 'app-key', description: null, tags: [], createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: '2025-01-01T00:00:00.000Z', currentVersion: states.length || null, maxVersions: 100, uid: `uid-${path}`,
    };
    this.metas.set(path, meta);
    this.versions.set(path, states.map((state, i) => ({
      version: i + 1, state, createdAt: meta.createdAt, kmsKeyVersion: 1, ciphertext: state === 'DESTROYED' ? null : `ct-${path}-${i + 1}`,
    })));
    return meta;
  }

  async getMeta(_project: string, path: string) {
    return this.metas.get(path) ?? null;
  }
  async getMetaMany(_project: string, paths: string[]) {
    return paths.map((p) => this.metas.get(p) ?? null);
  }
  async readValue(_project: string, path: string, version: number | null) {
    const secret = this.metas.get(path) ?? null;
    const n = version ?? secret?.currentVersion ?? null;
    return { secret, version: (secret && n !== null && this.versions.get(path)?.[n - 1]) || null };
  }
  async setVersionStates(_project: string, path: string, action: VersionAction, versions: number[]) {
    for (const v of versions) {
      const rec = this.versions.get(path)![v - 1];
      rec.state = nextState(action, rec.state) ?? rec.state;
    }
    return this.metas.get(path)!;
  }
  createSecret(): Promise<SecretMeta> {
    throw new Error('not used');
  }
  updateSecret(): Promise<SecretMeta> {
    throw new Error('not used');
  }
  deleteSecret(): Promise<boolean> {
    throw new Error('not used');
  }
  putVersion(): Promise<SecretVersionRecord> {
    throw new Error('not used');
  }
  listVersions(): Promise<Page<SecretVersionRecord>> {
    throw new Error('not used');
  }
  listSecrets(_project: string, _q: ListSecretsQuery): Promise<Page<SecretMeta>> {
    throw new Error('not used');
  }
}

const refusingKms: KmsPort = {
  encrypt: () => Promise.reject(new Error('KMS must not be reached')),
  decrypt: () => Promise.reject(new Error('KMS must not be reached')),
  decryptBatch: () => Promise.reject(new Error('KMS must not be reached')),
  getKey: () => Promise.reject(new Error('KMS must not be reached')),
};

const regions = new RegionRegistry('us-east-1', [
  { name: 'us-east-1', kmsUrl: 'http://127.0.0.1:1/graphql' },
  { name: 'eu-west-1', kmsUrl: 'http://127.0.0.1:2/graphql' },
]);
const call: SecretsCall = { project: 'acme', caller: { tokenId: 'tok1', project: 'acme' }, requestId: 'req-1' };

let store: InMemorySecrets;
let manager: SecretsManager;
beforeEach(() => {
  store = new InMemorySecrets();
  manager = new SecretsManager(store, refusingKms, regions);
});

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

test('a DELETED or DESTROYED version is NOT_FOUND, and so is the current one once deleted: no fall-back to an older value', async () => {
  store.add('app/db', 'us-east-1', ['ENABLED', 'DELETED', 'DESTROYED']);
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/db', version: 2 }))).toEqual({ code: 'NOT_FOUND', message: 'Version 2 of this secret is deleted' });
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/db', version: 3 }))).toEqual({ code: 'NOT_FOUND', message: 'Version 3 of this secret is destroyed' });
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/db', version: 9 }))).toEqual({ code: 'NOT_FOUND', message: 'This secret has no version 9' });
  // currentVersion is 3 (destroyed): the read does not fall back to version 1.
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/db' }))).toMatchObject({ code: 'NOT_FOUND' });

  store.add('app/fresh', 'us-east-1', ['ENABLED']);
  await manager.changeVersions('acme', 'delete', 'app/fresh', [1]);
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/fresh' }))).toEqual({ code: 'NOT_FOUND', message: 'Version 1 of this secret is deleted' });
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/none' }))).toEqual({ code: 'NOT_FOUND', message: 'No secret at this path' });
  store.add('app/empty', 'us-east-1', []);
  expect(await errorOf(manager.getSecretValue(call, { path: 'app/empty' }))).toEqual({ code: 'NOT_FOUND', message: 'This secret has no value yet' });
});

test('batch reveal: each distinct item gets the audit event it needs, in the secret\'s region or else the request\'s', async () => {
  store.add('team-a/eu', 'eu-west-1', ['ENABLED', 'DELETED']);
  store.add('team-b/us', 'us-east-1', ['ENABLED']);
  const paths = ['team-a/eu', 'team-a/none', 'team-b/us', 'team-a/../x', 'not a path', 'team-a/eu'];
  const items = await manager.batchGetSecretValue(call, paths, pathConfinement(['team-a']), { requestRegion: 'us-east-1' });

  expect(items.map((i) => [i.path, i.error?.code ?? null])).toEqual([
    ['team-a/eu', 'NOT_FOUND'], // current version deleted
    ['team-a/none', 'NOT_FOUND'],
    ['team-b/us', 'FORBIDDEN'], // outside the token's prefixes: never read
    ['team-a/../x', 'BAD_USER_INPUT'],
    ['not a path', 'BAD_USER_INPUT'],
    ['team-a/eu', 'NOT_FOUND'],
  ]);
  expect(items.map((i) => i.audit)).toEqual([
    { action: 'secrets.get_value', resource: 'secret:team-a/eu', outcome: 'FAILURE', extra: { errorCode: 'NOT_FOUND', region: 'eu-west-1' } },
    { action: 'secrets.get_value', resource: 'secret:team-a/none', outcome: 'FAILURE', extra: { errorCode: 'NOT_FOUND', region: 'us-east-1' } },
    { action: 'auth.denied', resource: 'secret:team-b/us', outcome: 'DENIED', extra: { errorCode: 'FORBIDDEN' } },
    // Path-shaped but invalid: recorded as a failure; not path-shaped at all: not recorded.
    { action: 'secrets.get_value', resource: 'secret:team-a/../x', outcome: 'FAILURE', extra: { errorCode: 'BAD_USER_INPUT', region: 'us-east-1' } },
    null,
    // A path listed again is the same reveal: its first copy carries the event.
    null,
  ]);
  // Nothing was revealed, so nothing counts as an access.
  expect(items.every((i) => i.revealed === null)).toBe(true);
  expect(await errorOf(manager.batchGetSecretValue(call, Array.from({ length: 101 }, (_, i) => `p/${i}`)))).toMatchObject({ code: 'BAD_USER_INPUT' });
});

test('a revealed item is a SUCCESS with the key version that decrypted it, in the secret\'s region', () => {
  const meta = new InMemorySecrets().add('app/db', 'eu-west-1', ['ENABLED']);
  const value = { path: 'app/db', version: 1, value: 'v', createdAt: meta.createdAt, kmsKeyVersion: 4 };
  expect(revealAudit({ path: 'app/db', value, error: null }, meta, 'us-east-1')).toEqual({
    action: 'secrets.get_value', resource: 'secret:app/db', outcome: 'SUCCESS', extra: { keyVersion: 4, region: 'eu-west-1' },
  });
  // Without a request region the event leaves the region to its writer.
  expect(revealAudit({ path: 'app/x', value: null, error: new ApiError('NOT_FOUND', 'No secret at this path') }, null)).toEqual({
    action: 'secrets.get_value', resource: 'secret:app/x', outcome: 'FAILURE', extra: { errorCode: 'NOT_FOUND' },
  });
});

test('a create is recorded in the requested region when the deployment knows it, else in the request\'s', async () => {
  expect(manager.createRegion('eu-west-1', 'us-east-1')).toBe('eu-west-1');
  expect(manager.createRegion(null, 'eu-west-1')).toBe('eu-west-1');
  expect(manager.createRegion(undefined, 'us-east-1')).toBe('us-east-1');
  expect(manager.createRegion('mars-1', 'us-east-1')).toBe('us-east-1');
  // ...and the create itself refuses the unknown region before any KMS call.
  expect(await errorOf(manager.createSecret(call, { path: 'x/1', kmsKeyIdentity: 'app-key', region: 'mars-1' }, 'us-east-1'))).toMatchObject({ code: 'BAD_USER_INPUT' });
});
