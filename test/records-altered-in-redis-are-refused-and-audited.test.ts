import { TOKEN_CACHE_MAX_MS } from '../shared/tokenCache';
import { testConfig } from './support/env';
import { failure } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

/**
 * Redis holds state, not authority: a token record or a key's security fields written to Redis
 * by anyone but the service that signs them are refused, and the refusal is audited.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'tamper', kms: true, secrets: true });
});
afterAll(async () => stack.stop());

const redis = () => stack.services.get('platform')!.redis;
const tampered = async (project: string, resource: string) =>
  (await stack.services.get('platform')!.audit.query(project, { action: 'auth.denied', resource }, 50, null)).events.filter((e) => e.errorCode === 'RECORD_TAMPERED');
const LIST_TOKENS = '{ apiTokens { id scopes } }';
const EXPORT = 'mutation($id: String!) { exportKmsKey(identity: $id) { keyMaterial } }';
const ENCRYPT = 'mutation($id: String!) { encrypt(input: { keyIdentity: $id, plaintext: "aGk=" }) { ciphertext } }';

describe('a token record altered in Redis', () => {
  it('scopes flipped to ["*"]: 401, not a super-token; audited RECORD_TAMPERED in its project', async () => {
    const { token, id } = await stack.token(['secrets:read'], { project: 'victim' });
    expect(failure(await stack.gql(LIST_TOKENS, {}, { token }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await redis().hset(`auth:token:{${id}}`, 'scopes', JSON.stringify(['*']));
    // The platform may reuse its lookup of the token for up to TOKEN_CACHE_MS (README, Security).
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MAX_MS));
    for (const q of [LIST_TOKENS, '{ secrets { nodes { path } } }']) {
      expect(failure(await stack.gql(q, {}, { token }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect((await tampered('victim', `token:${id}`)).length).toBeGreaterThanOrEqual(1);
    // Nor is it listed as what it now claims to be.
    const { token: admin } = await stack.token(['admin'], { project: 'victim' });
    const listed = (await stack.ok(LIST_TOKENS, {}, { token: admin })).apiTokens as { id: string }[];
    expect(listed.map((t) => t.id)).not.toContain(id);
  });

  it('a revoked token set back to not revoked, or a record without its MAC, stays refused', async () => {
    const a = await stack.token(['secrets:read']);
    await stack.ok('mutation($id: ID!) { revokeApiToken(id: $id) }', { id: a.id });
    await redis().hset(`auth:token:{${a.id}}`, 'revoked', '0');
    expect(failure(await stack.gql('{ secrets { nodes { path } } }', {}, { token: a.token }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const b = await stack.token(['secrets:read']);
    expect((await stack.gql('{ secrets { nodes { path } } }', {}, { token: b.token })).status).toBe(200);
    await redis().hdel(`auth:token:{${b.id}}`, 'mac');
    // The secrets service may reuse its lookup of b for up to TOKEN_CACHE_MS (README, Security).
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MAX_MS));
    expect(failure(await stack.gql('{ secrets { nodes { path } } }', {}, { token: b.token }))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await tampered('default', `token:${b.id}`)).toHaveLength(1);
  });
});

describe("a key's metadata altered in Redis", () => {
  const meta = (identity: string) => `kms:{us-east-1:default:${identity}}:meta`;

  it('exportable flipped to 1: export refused (403, no material), the key unusable; audited RECORD_TAMPERED', async () => {
    await stack.ok('mutation { createKmsKey(input: { identity: "locked-in", type: AES256_GCM96 }) { identity } }');
    expect(failure(await stack.gql(EXPORT, { id: 'locked-in' }))).toMatchObject({ status: 400 });
    await redis().hset(meta('locked-in'), 'exportable', '1');
    for (const [q, vars] of [[EXPORT, { id: 'locked-in' }], [ENCRYPT, { id: 'locked-in' }], ['query($id: String!) { kmsKey(identity: $id) { exportable } }', { id: 'locked-in' }]] as const) {
      const r = await stack.gql(q, vars);
      expect({ q, ...failure(r) }).toMatchObject({ q, status: 403, code: 'FORBIDDEN' });
      expect(JSON.stringify(r.body)).not.toMatch(/keyMaterial"\s*:\s*"/);
    }
    expect((await tampered('default', 'kms-key:us-east-1/locked-in')).length).toBeGreaterThanOrEqual(3);
  });

  it('a disabled key set back to ACTIVE, a lowered minimum version or a missing MAC: refused', async () => {
    for (const [identity, change] of [['was-off', { status: 'ACTIVE' }], ['min-lowered', { minDecryptionVersion: '0' }], ['no-mac', null]] as const) {
      await stack.ok(`mutation { createKmsKey(input: { identity: "${identity}", type: AES256_GCM96 }) { identity } }`);
      if (identity === 'was-off') await stack.ok('mutation { disableKmsKey(identity: "was-off") { status } }');
      if (change) await redis().hset(meta(identity), change);
      else await redis().hdel(meta(identity), 'mac');
      expect({ identity, ...failure(await stack.gql(ENCRYPT, { id: identity })) }).toMatchObject({ identity, status: 403, code: 'FORBIDDEN' });
      expect({ identity, events: (await tampered('default', `kms-key:us-east-1/${identity}`)).length }).toEqual({ identity, events: 1 });
    }
  });

  it('a key read (and verified) many times, then altered, is refused; put back as it was, it works again', async () => {
    await stack.ok('mutation { createKmsKey(input: { identity: "seen", type: AES256_GCM96 }) { identity } }');
    for (let i = 0; i < 3; i++) expect((await stack.ok(ENCRYPT, { id: 'seen' })).encrypt.ciphertext).toEqual(expect.any(String));
    const before = await redis().hget(meta('seen'), 'minDecryptionVersion');
    await redis().hset(meta('seen'), 'minDecryptionVersion', '0');
    expect(failure(await stack.gql(ENCRYPT, { id: 'seen' }))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await redis().hset(meta('seen'), 'minDecryptionVersion', before ?? '');
    expect((await stack.ok(ENCRYPT, { id: 'seen' })).encrypt.ciphertext).toEqual(expect.any(String));
  });

  it('an untouched key still works', async () => {
    await stack.ok('mutation { createKmsKey(input: { identity: "fine", type: AES256_GCM96 }) { identity } }');
    await stack.ok('mutation { rotateKmsKey(identity: "fine") { latestVersion } }');
    expect((await stack.ok(ENCRYPT, { id: 'fine' })).encrypt.ciphertext).toEqual(expect.any(String));
  });
});

describe('the sweeper meets an altered key', () => {
  let nowMs = Date.parse('2026-03-01T00:00:00.000Z');
  let h: KmsHarness;
  beforeAll(async () => {
    h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'tamper-sweep'), { now: () => new Date(nowMs) });
  });
  afterAll(async () => h.stop());

  it('skips it (refused, audited) and still rotates the other due keys', async () => {
    for (const identity of ['a-altered', 'b-fine']) await h.ok(Q.create, { input: { identity, type: 'AES256_GCM96', autoRotatePeriodDays: 1 } });
    await h.services.redis.hset('kms:{us-east-1:default:a-altered}:meta', 'exportable', '1');
    nowMs += 2 * 86_400_000;
    expect((await h.sweeper.runOnce()).rotated).toEqual(['default/b-fine']);
    const events = (await h.services.audit.query('default', { resource: 'kms-key:us-east-1/a-altered' }, 10, null)).events;
    expect(events.some((e) => e.errorCode === 'RECORD_TAMPERED')).toBe(true);
  });
});
