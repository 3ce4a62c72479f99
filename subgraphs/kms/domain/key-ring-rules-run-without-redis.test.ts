import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../shared/errors';
import type { KeyVersionInfo, KmsKeyRecord } from './keyRing';
import { KeyRingService } from './keyRingService';
import { KeyWrapper } from './keyWrapper';
import type { CommitOptions, KeyRef, KeyRepository } from './ports';

/**
 * The domain's rules against a plain in-memory KeyRepository: the service depends only on the
 * port it declares, so lifecycle and crypto rules hold with no server and no Redis. (The Redis
 * implementation of the same port is exercised by the tests in test/.)
 */
class InMemoryKeys implements KeyRepository {
  private readonly records = new Map<string, KmsKeyRecord>();
  private readonly rings = new Map<string, Map<number, { createdAt: string; wrapped: Buffer }>>();
  private readonly uses = new Map<string, number>();

  private id(r: KeyRef): string {
    return `${r.region}/${r.project}/${r.identity}`;
  }

  async create(rec: KmsKeyRecord, first: { createdAt: string; wrapped: Buffer }): Promise<boolean> {
    if (this.records.has(this.id(rec))) return false;
    this.records.set(this.id(rec), { ...rec });
    this.rings.set(this.id(rec), new Map([[1, first]]));
    return true;
  }

  async commit(expectedRev: number, next: KmsKeyRecord, opts: CommitOptions = {}): Promise<boolean> {
    const cur = this.records.get(this.id(next));
    if (!cur || cur.rev !== expectedRev) return false;
    const ring = this.rings.get(this.id(next)) ?? new Map();
    if (opts.addVersion) {
      if (ring.has(opts.addVersion.version)) return false;
      ring.set(opts.addVersion.version, { createdAt: opts.addVersion.createdAt, wrapped: opts.addVersion.wrapped });
    }
    if (opts.destroyRing) ring.clear();
    this.rings.set(this.id(next), ring);
    this.records.set(this.id(next), { ...next });
    return true;
  }

  async get(ref: KeyRef): Promise<KmsKeyRecord | null> {
    const rec = this.records.get(this.id(ref));
    return rec ? { ...rec } : null;
  }

  getMany(refs: readonly KeyRef[]): Promise<(KmsKeyRecord | null)[]> {
    return Promise.all(refs.map((r) => this.get(r)));
  }

  async versionsMany(refs: readonly KeyRef[]): Promise<KeyVersionInfo[][]> {
    return refs.map((r) => [...(this.rings.get(this.id(r)) ?? new Map()).entries()].map(([version, v]) => ({ version, createdAt: v.createdAt })));
  }

  async wrappedMaterial(ref: KeyRef, version: number): Promise<Buffer | null> {
    return this.rings.get(this.id(ref))?.get(version)?.wrapped ?? null;
  }

  async listIdentities(region: string, project: string, after: string | null, limit: number): Promise<string[]> {
    return [...this.records.values()]
      .filter((r) => r.region === region && r.project === project && (after === null || r.identity > after))
      .map((r) => r.identity)
      .sort()
      .slice(0, limit);
  }

  async scheduleDeletion(): Promise<void> {}
  async scheduleRotation(): Promise<void> {}

  async recordUse(ref: KeyRef, atMs: number, windowMs: number): Promise<boolean> {
    if (!this.records.has(this.id(ref)) || atMs - (this.uses.get(this.id(ref)) ?? 0) < windowMs) return false;
    this.uses.set(this.id(ref), atMs);
    return true;
  }

  async lastUsedMany(refs: readonly KeyRef[]): Promise<(number | null)[]> {
    return refs.map((r) => this.uses.get(this.id(r)) ?? null);
  }
}

const DAY = 86_400_000;
let clock = new Date('2026-03-01T12:00:00.000Z');
const now = () => clock;

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the operation to fail');
}

function newKms() {
  const store = new InMemoryKeys();
  return { store, kms: new KeyRingService('us-east-1', store, new KeyWrapper(randomBytes(32)), now) };
}

beforeEach(() => {
  clock = new Date('2026-03-01T12:00:00.000Z');
});

it('a rotation adds a version: new ciphertexts use it, older ones still decrypt', async () => {
  const { kms } = newKms();
  await kms.create('p', { identity: 'k', type: 'AES256_GCM96' });
  const before = await kms.encrypt((await kms.loadMany([kms.ref('p', 'k')]))[0]!, Buffer.from('one'), undefined);

  const rotated = await kms.rotate('p', 'k');
  expect(rotated.latestVersion).toBe(2);
  expect((await kms.versionsMany([kms.ref('p', 'k')]))[0].map((v) => v.version)).toEqual([1, 2]);

  const after = await kms.encrypt(rotated, Buffer.from('two'), undefined);
  expect([before.keyVersion, after.keyVersion]).toEqual([1, 2]);
  expect((await kms.decrypt(rotated, before.ciphertext, undefined)).plaintext.toString()).toBe('one');
});

it('a DISABLED key refuses to encrypt with KMS_KEY_NOT_ACTIVE, and works again once enabled', async () => {
  const { kms } = newKms();
  await kms.create('p', { identity: 'k', type: 'AES256_GCM96' });
  const disabled = await kms.disable('p', 'k');

  const err = await errorOf(kms.encrypt(disabled, Buffer.from('x'), undefined));
  expect({ code: err.code, status: err.extensions.kmsKeyStatus }).toEqual({ code: 'KMS_KEY_NOT_ACTIVE', status: 'DISABLED' });

  const enabled = await kms.enable('p', 'k');
  expect((await kms.encrypt(enabled, Buffer.from('x'), undefined)).keyVersion).toBe(1);
});

it('ifUnusedSinceDays refuses a disable with KEY_IN_USE after a recent use, and allows it once the key was idle that long', async () => {
  const { kms } = newKms();
  const rec = await kms.create('p', { identity: 'k', type: 'AES256_GCM96' });
  await kms.encrypt(rec, Buffer.from('x'), undefined);
  await kms.usage.idle();
  const usedAt = clock.toISOString();

  clock = new Date(clock.getTime() + 2 * DAY);
  const err = await errorOf(kms.disable('p', 'k', 7));
  expect({ code: err.code, lastUsedAt: err.extensions.lastUsedAt }).toEqual({ code: 'KEY_IN_USE', lastUsedAt: usedAt });
  expect((await kms.loadMany([kms.ref('p', 'k')]))[0]!.status).toBe('ACTIVE');

  expect((await kms.disable('p', 'k', 1)).status).toBe('DISABLED');
});

it('a create whose deadline passes during key generation writes nothing', async () => {
  const { kms } = newKms();
  const late = new ApiError('REGION_UNAVAILABLE', 'too late');
  const err = await errorOf(kms.create('p', { identity: 'k', type: 'ED25519' }, () => {
    throw late;
  }));
  expect(err).toBe(late);
  expect(await kms.loadMany([kms.ref('p', 'k')])).toEqual([null]);
});
