import { SecretStore, indexKeyNames } from '../subgraphs/secrets/store/secretStore';
import type { RedisClient } from '../shared/redis';
import type { SecretAccess } from '../subgraphs/secrets/domain/secretAccess';
import { startStack, type Stack } from './support/stack';

/**
 * Secret.lastAccessedAt and KmsKey.boundSecrets / boundSecretCount(accessedSince) through the
 * gateway, for keys in both KMS regions: null / nothing until a reveal; only secrets revealed at or
 * after the time; exact counts; complete pages in path order across page boundaries; a token
 * confined to path prefixes sees and counts only its own paths; a deleted secret leaves the
 * index (and a secret recreated at its path starts unrevealed); repairIndexes drops entries of
 * secrets that are gone.
 */
jest.setTimeout(60_000);

let stack: Stack;
let redis: RedisClient;
beforeAll(async () => {
  stack = await startStack({ label: 'accessed-since', kms: true, secrets: true });
  redis = stack.services.get('secrets')!.redis;
});
afterAll(() => stack.stop());

const LONG_AGO = '2000-01-01T00:00:00Z';
const PATHS = ['team-a/s00', 'team-a/s01', 'team-a/s02', 'team-a/s03', 'team-a/s04', 'team-ab/s00', 'team-b/s00', 'other/x'];
const BOUND = `query($id: String!, $since: String, $first: Int, $after: String) {
  kmsKey(identity: $id) {
    boundSecretCount(accessedSince: $since)
    boundSecrets(accessedSince: $since, first: $first, after: $after) { nodes { path lastAccessedAt } pageInfo { endCursor hasNextPage } }
  }
}`;

/**
 * Reveals are recorded in the background (never awaited by the answer); listings read Redis only,
 * so a test waits for the secrets service's pending writes before listing.
 */
const settled = () => (stack.running.get('secrets') as unknown as { access: SecretAccess }).access.idle();

/** Waits (without sleeping) until the clock has passed `ms`, so the next reveal is strictly later. */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((r) => setImmediate(r));
}

describe.each(['us-east-1', 'eu-west-1'])('a key in %s', (region) => {
  const id = `acc-${region}`;
  const p = (s: string) => `${region}/${s}`;
  const reveal = async (path: string, token?: string) => {
    await stack.ok('query($p: String!) { getSecretValue(path: $p) { value } }', { p: path }, { token });
    await settled();
  };
  const lastAccessed = async (path: string) => (await stack.ok('query($p: String!) { secret(path: $p) { lastAccessedAt } }', { p: path })).secret.lastAccessedAt;
  /** Every page of boundSecrets(accessedSince), `first` at a time. */
  async function pages(since: string, first: number, token?: string): Promise<string[][]> {
    const out: string[][] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await stack.ok(BOUND, { id, since, first, after }, { token, region });
      const conn = r.kmsKey.boundSecrets;
      out.push(conn.nodes.map((n: { path: string }) => n.path));
      if (!conn.pageInfo.hasNextPage) return out;
      after = conn.pageInfo.endCursor;
    }
  }

  let recent = '';
  beforeAll(async () => {
    await stack.ok('mutation($id: String!) { createKmsKey(input: { identity: $id, type: AES256_GCM96 }) { identity } }', { id }, { region });
    for (const path of PATHS) {
      await stack.ok('mutation($p: String!, $id: String!, $r: String) { createSecret(input: { path: $p, kmsKeyIdentity: $id, region: $r, value: "v" }) { path } }', {
        p: p(path), id, r: region,
      });
    }
  });

  test('nothing counts as accessed before a reveal; a put is not a reveal', async () => {
    const r = await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region });
    expect(r.kmsKey).toEqual({ boundSecretCount: 0, boundSecrets: { nodes: [], pageInfo: { endCursor: null, hasNextPage: false } } });
    expect(await lastAccessed(p('team-a/s01'))).toBeNull();
    // Without accessedSince, every bound secret.
    expect((await stack.ok(BOUND, { id, first: 1 }, { region })).kmsKey.boundSecretCount).toBe(PATHS.length);
  });

  test('reveals set lastAccessedAt and select secrets by accessedSince, counted exactly and paged completely', async () => {
    const before = Date.now();
    await reveal(p('team-a/s01'));
    const batch = await stack.ok('query($ps: [String!]!) { batchGetSecretValue(paths: $ps) { path value error { code } } }', {
      ps: [p('team-b/s00'), p('other/x'), p('no/such')],
    });
    expect(batch.batchGetSecretValue.map((i: { error: unknown }) => i.error)).toEqual([null, null, { code: 'NOT_FOUND' }]);
    await settled();
    const early = await Promise.all([p('team-a/s01'), p('team-b/s00'), p('other/x')].map(lastAccessed));
    for (const t of early) expect(Date.parse(t)).toBeGreaterThanOrEqual(before);
    expect(await lastAccessed(p('team-a/s00'))).toBeNull();

    const cut = Math.max(...early.map(Date.parse)) + 1;
    await clockPast(cut);
    recent = new Date(cut).toISOString();
    await reveal(p('team-a/s03'));
    await reveal(p('team-a/s04'));

    const all = await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region });
    expect(all.kmsKey.boundSecretCount).toBe(5);
    expect(all.kmsKey.boundSecrets.nodes).toEqual(
      ['other/x', 'team-a/s01', 'team-a/s03', 'team-a/s04', 'team-b/s00'].map((s) => ({ path: p(s), lastAccessedAt: expect.any(String) })),
    );
    expect((await stack.ok(BOUND, { id, since: recent, first: 10 }, { region })).kmsKey.boundSecretCount).toBe(2);
    // Page boundaries: full pages in path order, nothing lost or repeated, no empty page.
    expect(await pages(LONG_AGO, 2)).toEqual([
      [p('other/x'), p('team-a/s01')],
      [p('team-a/s03'), p('team-a/s04')],
      [p('team-b/s00')],
    ]);
    expect(await pages(recent, 1)).toEqual([[p('team-a/s03')], [p('team-a/s04')]]);
    // A date alone means UTC midnight.
    expect((await stack.ok(BOUND, { id, since: '2000-01-01', first: 0 }, { region })).kmsKey.boundSecretCount).toBe(5);
  });

  test('a token confined to path prefixes sees and counts only its own recently revealed secrets', async () => {
    const t = await stack.token(['secrets:read', 'secrets:read_value', 'kms:read'], { pathPrefixes: [p('team-a')] });
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 1 }, { token: t.token, region })).kmsKey.boundSecretCount).toBe(3);
    expect((await stack.ok(BOUND, { id, since: recent, first: 1 }, { token: t.token, region })).kmsKey.boundSecretCount).toBe(2);
    expect(await pages(LONG_AGO, 2, t.token)).toEqual([[p('team-a/s01'), p('team-a/s03')], [p('team-a/s04')]]);
    // team-a does not admit team-ab/… (whole segments), even once revealed.
    await reveal(p('team-ab/s00'));
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { token: t.token, region })).kmsKey.boundSecretCount).toBe(3);
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region })).kmsKey.boundSecretCount).toBe(6);
  });

  test('accessedSince that is not an ISO-8601 time is BAD_USER_INPUT', async () => {
    for (const since of ['yesterday', '2025-01-01T00:00:00', '2025-13-01T00:00:00Z', '', '1700000000000']) {
      for (const field of ['boundSecretCount(accessedSince: $since)', 'boundSecrets(accessedSince: $since) { nodes { path } }']) {
        const r = await stack.gql(`query($id: String!, $since: String) { kmsKey(identity: $id) { identity ${field} } }`, { id, since }, { region });
        expect({ since, code: r.body.errors?.[0]?.extensions?.code }).toEqual({ since, code: 'BAD_USER_INPUT' });
      }
    }
  });

  test('deleting a revealed secret takes it out of the index; recreated, it starts unrevealed; repairIndexes drops what is left behind', async () => {
    const path = p('team-a/s01');
    const used = indexKeyNames('default', { region, identity: id }).used!;
    expect(await redis.zscore(used, path)).not.toBeNull();
    await stack.ok('mutation($p: String!) { deleteSecret(path: $p) }', { p: path });
    expect(await redis.zscore(used, path)).toBeNull();
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region })).kmsKey.boundSecretCount).toBe(5);
    await stack.ok('mutation($p: String!, $id: String!, $r: String) { createSecret(input: { path: $p, kmsKeyIdentity: $id, region: $r, value: "w" }) { path } }', {
      p: path, id, r: region,
    });
    expect(await lastAccessed(path)).toBeNull();

    // An entry a crash left behind (its secret is gone) is repaired away.
    const store = new SecretStore(redis);
    const ghost = { project: 'default', path: p('team-z/ghost'), region, kmsKeyIdentity: id, uid: 'x', createdAt: new Date(0).toISOString() };
    expect(await store.recordAccess(ghost as Parameters<SecretStore['recordAccess']>[0], Date.now(), 60_000)).toBe(true);
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region })).kmsKey.boundSecrets.nodes).toHaveLength(5); // never listed
    expect((await store.repairIndexes('default')).removed).toBeGreaterThanOrEqual(1);
    expect(await redis.zscore(used, ghost.path)).toBeNull();
    expect((await stack.ok(BOUND, { id, since: LONG_AGO, first: 10 }, { region })).kmsKey.boundSecretCount).toBe(5);
  });
});

test('counts of many keys with accessedSince resolve in one query, each key its own', async () => {
  const r = await stack.ok(`query($since: String) {
    us: kmsKeys(first: 50) { nodes { identity boundSecretCount(accessedSince: $since) } }
  }`, { since: LONG_AGO }, { region: 'eu-west-1' });
  expect(r.us.nodes.find((n: { identity: string }) => n.identity === 'acc-eu-west-1').boundSecretCount).toBe(5);
});
