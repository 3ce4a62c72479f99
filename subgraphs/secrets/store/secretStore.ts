import { ApiError } from '../../../shared/errors';
import type { RedisClient } from '../../../shared/redis';
import { secretExists } from '../domain/errors';
import type {
  AccessIndex, AccessedPageQuery, BoundKeyRef, BoundPageQuery, EncryptedValue, ListSecretsQuery, NewSecret, Reservation,
  SecretIndexReads, SecretMetaUpdate, SecretRepository,
} from '../domain/ports';
import type { Page, RevealMeta, SecretMeta, SecretVersionRecord, StoredSecretVersion } from '../domain/secret';
import type { VersionAction } from '../domain/secretVersion';
import { repairIndexes } from './indexRepair';
import { allIndexKey, boundIndexKey, checkProject, secretKeys, usedIndexKey } from './keyLayout';
import { LastAccessIndex } from './lastAccessIndex';
import { SecretCommands } from './secretCommands';
import { SecretIndexes } from './secretIndexes';
import { SecretQuotas, type SecretQuotaLimits } from './secretQuotas';
import { parseMeta, readMeta, readMetaMany, type Flat } from './secretRecords';
import { VersionStore } from './versionStore';

export { newSecretUid } from '../domain/secret';
export { indexKeyNames, secretKeyNames } from './keyLayout';
export { disjointPrefixes } from './secretIndexes';
export type { AccessedPageQuery, BoundKeyRef, NewSecret as CreateSecretInput, Reservation, SecretMetaUpdate as UpdateSecretInput } from '../domain/ports';
export type { ListSecretsQuery as ListSecretsOptions } from '../domain/ports';

/**
 * The secret store: the Redis implementation of the domain's ports (domain/ports.ts), and the
 * only code that knows the Redis key names (keyLayout.ts) and the Lua (secretScripts.ts, called
 * through secretCommands.ts). This class is the facade; the work is in
 *   versionStore.ts     reserve / commit / release / read / state changes of versions
 *   secretIndexes.ts    the project and bound-key indexes: listings, pages, counts
 *   lastAccessIndex.ts  last reveal per secret, boundSecrets(accessedSince)
 *   indexRepair.ts      rebuilding the indexes from the secrets
 * Create and delete live here: they are the writes that span a secret and its indexes.
 */
export class SecretStore implements SecretRepository, SecretIndexReads, AccessIndex {
  private readonly scripts: SecretCommands;
  private readonly versions: VersionStore;
  private readonly indexes: SecretIndexes;
  private readonly access: LastAccessIndex;
  private readonly quotas: SecretQuotas;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: { now?: () => Date; reservationTtlMs?: number; quotas?: SecretQuotaLimits } = {},
  ) {
    this.scripts = new SecretCommands(redis);
    this.quotas = new SecretQuotas(redis, this.scripts, opts.quotas);
    this.versions = new VersionStore(this.scripts, () => this.now(), opts.reservationTtlMs, this.quotas);
    this.indexes = new SecretIndexes(redis);
    this.access = new LastAccessIndex(redis, this.scripts);
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  // ---------------------------------------------------------------- secrets

  /** ALREADY_EXISTS when the path is taken in the project; QUOTA_EXCEEDED at the secrets or storedBytes quota. */
  async createSecret(input: NewSecret): Promise<SecretMeta> {
    const { project, path } = input;
    checkProject(project);
    const bound = boundIndexKey(project, input.region, input.kmsKeyIdentity);
    const valueBytes = input.firstVersion?.valueBytes ?? 0;
    await this.quotas.reserveBytes(project, valueBytes);
    try {
      // Index first (see secretIndexes.ts): an entry without a secret is harmless, the reverse is
      // not. The first write also takes the secret's place in the project's secrets quota.
      await this.quotas.indexNew(input);
    } catch (err) {
      await this.quotas.freeBytes(project, valueBytes);
      throw err;
    }
    let flat: Flat;
    try {
      flat = await this.scripts.create({
        keys: secretKeys(project, path), region: input.region, kmsKeyIdentity: input.kmsKeyIdentity, description: input.description,
        tags: input.tags, nowIso: this.now().toISOString(), maxVersions: input.maxVersions, uid: input.uid, firstVersion: input.firstVersion ?? null,
      });
    } catch (err) {
      await this.quotas.freeBytesUnlessUncertain(project, valueBytes, err);
      if (!(err instanceof ApiError) || err.code !== 'ALREADY_EXISTS') throw err;
      // Undo our bound-index entry unless the existing secret is bound to the same key.
      const [region, identity] = String(err.extensions.existing).split(' ');
      if (region !== input.region || identity !== input.kmsKeyIdentity) await this.indexes.unindex(project, path, [bound]);
      throw secretExists();
    }
    const secret = parseMeta(project, path, flat)!;
    // Again after the secret exists: a concurrent delete of the previous secret at this path may
    // have removed our entries between our first write and the script (see unindex).
    await this.indexes.index(secret);
    return secret;
  }

  getMeta(project: string, path: string): Promise<SecretMeta | null> {
    return readMeta(this.redis, project, path);
  }

  /** Many secrets in one pipelined round trip (per cluster slot); null where absent. Order kept. */
  getMetaMany(project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
    return readMetaMany(this.redis, project, paths);
  }

  /** NOT_FOUND when absent. Shrinking maxVersions destroys the oldest versions beyond it. */
  async updateSecret(project: string, path: string, input: SecretMetaUpdate): Promise<SecretMeta> {
    checkProject(project);
    const { meta, freed } = await this.scripts.update({ keys: secretKeys(project, path), nowIso: this.now().toISOString(), ...input });
    await this.quotas.freeBytes(project, freed);
    return parseMeta(project, path, meta)!;
  }

  /** Removes the secret, all its versions and its index entries; the path can be created again. Returns false if absent. */
  async deleteSecret(project: string, path: string): Promise<boolean> {
    checkProject(project);
    const deleted = await this.scripts.delete({ keys: secretKeys(project, path) });
    if (!deleted) return false;
    const { region, identity } = deleted;
    await this.quotas.freeBytes(project, deleted.freed);
    await this.indexes.unindex(project, path, [allIndexKey(project), boundIndexKey(project, region, identity), usedIndexKey(project, region, identity)]);
    return true;
  }

  repairIndexes(project: string): Promise<{ secrets: number; added: number; removed: number }> {
    return repairIndexes(this.redis, project);
  }

  // ---------------------------------------------------------------- versions (versionStore.ts)

  reserveVersion(project: string, path: string, expectedVersion: number | null): Promise<Reservation> {
    return this.versions.reserveVersion(project, path, expectedVersion);
  }
  /** Low-level step (tests): the value's bytes are not taken from the storedBytes quota here; putVersion does that. */
  commitVersion(reservation: Reservation, ciphertext: string, kmsKeyVersion: number): Promise<SecretVersionRecord> {
    return this.versions.commitVersion(reservation, ciphertext, kmsKeyVersion);
  }
  releaseVersion(reservation: Reservation): Promise<boolean> {
    return this.versions.releaseVersion(reservation);
  }
  putVersion(project: string, path: string, expectedVersion: number | null, encrypt: (r: Reservation) => Promise<EncryptedValue>, valueBytes?: number): Promise<SecretVersionRecord> {
    return this.versions.putVersion(project, path, expectedVersion, encrypt, valueBytes);
  }
  readValue(project: string, path: string, version: number | null): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }> {
    return this.versions.readValue(project, path, version);
  }
  readCurrentValues(project: string, paths: string[]): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }[]> {
    return this.versions.readCurrentValues(project, paths);
  }
  getVersion(project: string, path: string, version: number): Promise<StoredSecretVersion | null> {
    return this.versions.getVersion(project, path, version);
  }
  listVersions(project: string, path: string, first: number, after?: string | null): Promise<Page<SecretVersionRecord>> {
    return this.versions.listVersions(project, path, first, after);
  }
  setVersionStates(project: string, path: string, action: VersionAction, versions: number[]): Promise<SecretMeta> {
    return this.versions.setVersionStates(project, path, action, versions);
  }
  deleteVersions(project: string, path: string, versions: number[]): Promise<SecretMeta> {
    return this.setVersionStates(project, path, 'delete', versions);
  }
  undeleteVersions(project: string, path: string, versions: number[]): Promise<SecretMeta> {
    return this.setVersionStates(project, path, 'undelete', versions);
  }
  destroyVersions(project: string, path: string, versions: number[]): Promise<SecretMeta> {
    return this.setVersionStates(project, path, 'destroy', versions);
  }

  // ---------------------------------------------------------------- listings (secretIndexes.ts)

  listSecrets(project: string, q: ListSecretsQuery): Promise<Page<SecretMeta>> {
    return this.indexes.listSecrets(project, q);
  }
  boundSecrets(project: string, key: BoundKeyRef, first: number, after?: string | null): Promise<Page<SecretMeta>> {
    return this.indexes.boundSecrets(project, key, first, after);
  }
  boundSecretsMany(project: string, queries: BoundPageQuery[]): Promise<Page<SecretMeta>[]> {
    return this.indexes.boundSecretsMany(project, queries);
  }
  boundSecretCounts(project: string, keys: BoundKeyRef[]): Promise<number[]> {
    return this.indexes.boundSecretCounts(project, keys);
  }
  boundSecretCountsWithin(project: string, keys: BoundKeyRef[], prefixes: string[]): Promise<number[]> {
    return this.indexes.boundSecretCountsWithin(project, keys, prefixes);
  }

  // ---------------------------------------------------------------- last access (lastAccessIndex.ts)

  recordAccess(secret: SecretMeta, atMs: number, windowMs: number): Promise<boolean> {
    return this.access.recordAccess(secret, atMs, windowMs);
  }
  lastAccessedMany(secrets: SecretMeta[]): Promise<(number | null)[]> {
    return this.access.lastAccessedMany(secrets);
  }
  boundSecretCountsAccessed(project: string, keys: BoundKeyRef[], sinceMs: number, prefixes: string[] | null): Promise<number[]> {
    return this.access.boundSecretCountsAccessed(project, keys, sinceMs, prefixes);
  }
  boundSecretsAccessedMany(project: string, queries: AccessedPageQuery[], prefixes: string[] | null): Promise<Page<SecretMeta>[]> {
    return this.access.boundSecretsAccessedMany(project, queries, prefixes);
  }
}
