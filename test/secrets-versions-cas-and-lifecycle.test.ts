import { secretKeyNames } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';

/**
 * Versions through the gateway: numbers start at 1 and only grow; 50 concurrent puts give 50
 * distinct versions 1..50; expectedVersion is compare-and-set (409 VERSION_CONFLICT, 0 = "no
 * value yet"); maxVersions destroys the oldest; delete / undelete / destroy; a deleted or
 * destroyed version reads as NOT_FOUND; versions are listed newest first with cursors.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'sec-versions', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "ver-key", type: AES256_GCM96 }) { identity } }`);
});
afterAll(async () => stack?.stop());

const createSecret = (path: string, extra: Record<string, unknown> = {}) =>
  stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path currentVersion } }`, { i: { path, kmsKeyIdentity: 'ver-key', ...extra } });
const put = (path: string, value: string, expectedVersion?: number) =>
  stack.gql(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version state kmsKeyVersion } }`, { i: { path, value, expectedVersion } });
const reveal = (path: string, version?: number) =>
  stack.gql(`query($p: String!, $v: Int) { getSecretValue(path: $p, version: $v) { version value } }`, { p: path, v: version });
const versions = async (path: string, first = 100, after?: string) =>
  (await stack.ok(`query($p: String!, $f: Int, $a: String) { secret(path: $p) { currentVersion versions(first: $f, after: $a) { nodes { version state } pageInfo { endCursor hasNextPage } } } }`, { p: path, f: first, a: after })).secret;

test('50 concurrent puts through the gateway → 50 distinct versions 1..50, each value where it belongs', async () => {
  await createSecret('ver/concurrent');
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => put('ver/concurrent', `value-${i}`)));
  for (const r of results) expect(r.body.errors).toBeUndefined();
  const numbers = results.map((r) => r.body.data.putSecretValue.version).sort((a: number, b: number) => a - b);
  expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  const s = await versions('ver/concurrent');
  expect(s.currentVersion).toBe(50);
  expect(s.versions.nodes.map((n: any) => n.version)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i)); // newest first
  // Each version decrypts to the value its put sent.
  const byVersion = new Map(results.map((r, i) => [r.body.data.putSecretValue.version, `value-${i}`]));
  for (const v of [1, 17, 50]) expect((await reveal('ver/concurrent', v)).body.data.getSecretValue.value).toBe(byVersion.get(v));
});

test('expectedVersion: 0 = no value yet; a stale one → 409 VERSION_CONFLICT and nothing written', async () => {
  await createSecret('ver/cas');
  const first = await put('ver/cas', 'one', 0);
  expect(first.body.data.putSecretValue.version).toBe(1);
  const again0 = await put('ver/cas', 'nope', 0);
  expect(again0.status).toBe(409);
  expect(again0.body.errors?.[0].extensions?.code).toBe('VERSION_CONFLICT');
  expect((await put('ver/cas', 'two', 1)).body.data.putSecretValue.version).toBe(2);
  const stale = await put('ver/cas', 'stale', 1);
  expect(stale.status).toBe(409);
  expect(stale.body.errors?.[0].extensions?.code).toBe('VERSION_CONFLICT');
  const s = await versions('ver/cas');
  expect(s.currentVersion).toBe(2);
  expect(s.versions.nodes).toHaveLength(2);
  // Concurrent CAS on the same expected version: exactly one wins.
  const race = await Promise.all(Array.from({ length: 10 }, (_, i) => put('ver/cas', `race-${i}`, 2)));
  expect(race.filter((r) => r.status === 200)).toHaveLength(1);
  expect(race.filter((r) => r.body.errors?.[0].extensions?.code === 'VERSION_CONFLICT')).toHaveLength(9);
});

test('maxVersions: the oldest versions beyond it are destroyed (ciphertext gone)', async () => {
  await createSecret('ver/max', { maxVersions: 3, value: 'v1' });
  for (const v of ['v2', 'v3', 'v4', 'v5']) await put('ver/max', v);
  const s = await versions('ver/max');
  expect(s.versions.nodes).toEqual([
    { version: 5, state: 'ENABLED' }, { version: 4, state: 'ENABLED' }, { version: 3, state: 'ENABLED' },
    { version: 2, state: 'DESTROYED' }, { version: 1, state: 'DESTROYED' },
  ]);
  const stored = await stack.services.get('secrets')!.redis.hkeys(secretKeyNames('default', 'ver/max').values);
  expect(stored.sort()).toEqual(['3', '4', '5']);
  const r = await reveal('ver/max', 1);
  expect(r.status).toBe(404);
  expect(r.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
});

test('delete / undelete / destroy; deleted and destroyed versions read as NOT_FOUND', async () => {
  await createSecret('ver/states', { value: 'one' });
  await put('ver/states', 'two');
  await put('ver/states', 'three');
  const del = await stack.ok(`mutation { deleteSecretVersions(path: "ver/states", versions: [3, 1]) { currentVersion versions { nodes { version state } } } }`);
  expect(del.deleteSecretVersions.versions.nodes).toEqual([
    { version: 3, state: 'DELETED' }, { version: 2, state: 'ENABLED' }, { version: 1, state: 'DELETED' },
  ]);
  expect(del.deleteSecretVersions.currentVersion).toBe(3);
  // Reading the current (deleted) version is NOT_FOUND; no silent fall-back to version 2.
  for (const v of [undefined, 3, 1]) {
    const r = await reveal('ver/states', v);
    expect(r.status).toBe(404);
    expect(r.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  }
  expect((await reveal('ver/states', 2)).body.data.getSecretValue.value).toBe('two');

  await stack.ok(`mutation { undeleteSecretVersions(path: "ver/states", versions: [3]) { path } }`);
  expect((await reveal('ver/states')).body.data.getSecretValue).toEqual({ version: 3, value: 'three' });

  const destroyed = await stack.ok(`mutation { destroySecretVersions(path: "ver/states", versions: [1, 3]) { versions { nodes { version state } } } }`);
  expect(destroyed.destroySecretVersions.versions.nodes.map((n: any) => n.state)).toEqual(['DESTROYED', 'ENABLED', 'DESTROYED']);
  expect((await stack.services.get('secrets')!.redis.hkeys(secretKeyNames('default', 'ver/states').values))).toEqual(['2']);
  expect((await reveal('ver/states', 3)).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  // A destroyed version cannot come back; a never-written one is NOT_FOUND and changes nothing.
  const undo = await stack.gql(`mutation { undeleteSecretVersions(path: "ver/states", versions: [1]) { path } }`);
  expect(undo.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const missing = await stack.gql(`mutation { deleteSecretVersions(path: "ver/states", versions: [2, 9]) { path } }`);
  expect(missing.status).toBe(404);
  expect((await reveal('ver/states', 2)).body.data.getSecretValue.value).toBe('two');

  // New puts continue the numbering; numbers never go back.
  expect((await put('ver/states', 'four')).body.data.putSecretValue.version).toBe(4);
});

test('versions page newest first with cursors; deleteSecret removes everything', async () => {
  await createSecret('ver/pages', { value: 'p1' });
  for (let i = 2; i <= 5; i++) await put('ver/pages', `p${i}`);
  const p1 = await versions('ver/pages', 2);
  expect(p1.versions.nodes.map((n: any) => n.version)).toEqual([5, 4]);
  expect(p1.versions.pageInfo.hasNextPage).toBe(true);
  const p2 = await versions('ver/pages', 2, p1.versions.pageInfo.endCursor);
  expect(p2.versions.nodes.map((n: any) => n.version)).toEqual([3, 2]);
  const p3 = await versions('ver/pages', 2, p2.versions.pageInfo.endCursor);
  expect(p3.versions.nodes.map((n: any) => n.version)).toEqual([1]);
  expect(p3.versions.pageInfo.hasNextPage).toBe(false);
  // Default page size is 20.
  expect((await stack.ok(`{ secret(path: "ver/pages") { versions { nodes { version } } } }`)).secret.versions.nodes).toHaveLength(5);

  expect((await stack.ok(`mutation { deleteSecret(path: "ver/pages") }`)).deleteSecret).toBe(true);
  expect((await stack.ok(`{ secret(path: "ver/pages") { path } }`)).secret).toBeNull();
  expect((await reveal('ver/pages', 1)).status).toBe(404);
  const again = await stack.gql(`mutation { deleteSecret(path: "ver/pages") }`);
  expect(again.status).toBe(404);
});
