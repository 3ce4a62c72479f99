import { ApiError, badInput } from '../../../shared/errors';
import { validateKeyIdentity } from '../../../shared/identifiers';
import type { RegionRegistry } from '../../../shared/regions';
import { secretAssociatedDataB64 } from './associatedData';
import { readableValue, readMany, revealedValue, revealReads, type BatchRead } from './batchDecrypt';
import { revealAudit, type BatchRevealItem } from './batchReveal';
import { currentVersionChanged, secretExists, secretNotFound } from './errors';
import { assertKeyBindable } from './keyBindable';
import type { ListSecretsQuery, SecretIndexReads, SecretMetaUpdate, SecretRepository } from './ports';
import { newSecretUid, type Page, type SecretMeta, type SecretVersionRecord } from './secret';
import { POST_KMS_RESERVE_MS, type CreateSecretArgs, type KmsPort, type PreparedReveal, type RevealedValue, type SecretsCall, type UpdateSecretArgs } from './secretsTypes';
import {
  validateDescription, validateExpectedVersion, validateFirst, validateMaxVersions, validatePath, validatePathPrefix,
  validateTags, validateValue, validateVersionList, validateVersionNumber, validateBatchPaths,
} from './secretInput';
import { assertKeyUnchanged, type VersionAction } from './secretVersion';

/**
 * Secrets Manager as a consumer of KMS (the seed): validates input, checks the key binding, and
 * runs put and reveal through the regional KMS with associated data binding project, path,
 * version and incarnation. No GraphQL, no Redis names (it depends on the ports it declares);
 * scopes and feature gates are the resolver's job (it knows the request), and so is writing the
 * audit events, whose content this module decides where it is a rule (batch reveal, create's region).
 */
export type { CreateSecretArgs, KmsPort, PreparedReveal, RevealedValue, SecretsCall, UpdateSecretArgs } from './secretsTypes';
export { POST_KMS_RESERVE_MS } from './secretsTypes';
export { SUPPORTED_KEY_TYPES } from './keyBindable';

const noGuard = () => undefined;

export class SecretsManager {
  constructor(
    private readonly store: SecretRepository & Pick<SecretIndexReads, 'listSecrets'>,
    private readonly kms: KmsPort,
    private readonly regions: RegionRegistry,
    private readonly opts: { kmsBudgetMs?: number } = {},
  ) {}

  /**
   * The region a new secret lives in, and so the region its create is recorded under: the
   * requested one when the deployment knows it, else the request's (an unknown one fails the
   * create with BAD_USER_INPUT, recorded in the request's region).
   */
  createRegion(requested: unknown, requestRegion: string): string {
    return typeof requested === 'string' && this.regions.has(requested) ? requested : requestRegion;
  }

  /**
   * createSecret: the key must exist in the secret's region (NOT_FOUND, or KEY_REGION_MISMATCH when
   * it exists only elsewhere), be symmetric (UNSUPPORTED_KEY_TYPE) and ACTIVE (KMS_KEY_NOT_ACTIVE).
   * A first value is encrypted for version 1 before the secret is written, so create is atomic:
   * either the secret exists with its value, or nothing was written.
   */
  async createSecret(call: SecretsCall, args: CreateSecretArgs, defaultRegion: string): Promise<{ secret: SecretMeta; kmsKeyVersion: number | null }> {
    const path = validatePath(args.path);
    const kmsKeyIdentity = validateKeyIdentity(args.kmsKeyIdentity, 'kmsKeyIdentity');
    const region = this.validateRegion(args.region ?? defaultRegion);
    const description = validateDescription(args.description);
    const tags = validateTags(args.tags);
    const maxVersions = validateMaxVersions(args.maxVersions);
    const value = args.value === undefined || args.value === null ? null : validateValue(args.value);

    (call.beforeCommit ?? noGuard)(); // past its deadline already: no KMS call, nothing written
    const deadline = this.deadline(call);
    if (await this.store.getMeta(call.project, path)) throw secretExists();
    await assertKeyBindable(this.kms, this.regions, call, region, kmsKeyIdentity, deadline);
    const uid = newSecretUid();
    let firstVersion: { ciphertext: string; kmsKeyVersion: number; valueBytes: number } | null = null;
    if (value !== null) {
      const enc = await this.kms.encrypt({
        region, keyIdentity: kmsKeyIdentity, plaintextB64: Buffer.from(value, 'utf8').toString('base64'),
        associatedDataB64: secretAssociatedDataB64(call.project, path, 1, uid), caller: call.caller, requestId: call.requestId, deadline,
      });
      firstVersion = { ciphertext: enc.ciphertext, kmsKeyVersion: enc.keyVersion, valueBytes: Buffer.byteLength(value, 'utf8') };
    }
    (call.beforeCommit ?? noGuard)();
    const secret = await this.store.createSecret({ project: call.project, path, region, kmsKeyIdentity, description, tags, maxVersions, uid, firstVersion });
    return { secret, kmsKeyVersion: firstVersion?.kmsKeyVersion ?? null };
  }

  /** Metadata only: works whatever the key's state. A different kmsKeyIdentity is IMMUTABLE_FIELD. */
  async updateSecret(project: string, args: UpdateSecretArgs, beforeCommit: () => void = noGuard): Promise<SecretMeta> {
    const path = validatePath(args.path);
    const update: SecretMetaUpdate = {};
    if (args.description !== undefined) update.description = validateDescription(args.description);
    if (args.tags !== undefined && args.tags !== null) update.tags = validateTags(args.tags);
    if (args.maxVersions !== undefined && args.maxVersions !== null) update.maxVersions = validateMaxVersions(args.maxVersions);
    const secret = await this.requireSecret(project, path);
    assertKeyUnchanged(secret, args.kmsKeyIdentity === undefined || args.kmsKeyIdentity === null ? null : String(args.kmsKeyIdentity));
    beforeCommit();
    return this.store.updateSecret(project, path, update);
  }

  /**
   * putSecretValue: reserve a number (CAS) → KMS encrypt with AAD(version) → commit (see
   * store/versionStore.ts). `known`: the secret as the caller already read it in this request (no
   * second read); a reservation for another incarnation (deleted and re-created since) is given back.
   */
  async putSecretValue(call: SecretsCall, args: { path: unknown; value: unknown; expectedVersion?: unknown }, known: SecretMeta | null = null): Promise<SecretVersionRecord> {
    const path = validatePath(args.path);
    const value = validateValue(args.value);
    const expected = validateExpectedVersion(args.expectedVersion);
    (call.beforeCommit ?? noGuard)();
    const deadline = this.deadline(call);
    const secret = known && known.path === path ? known : await this.requireSecret(call.project, path);
    const plaintextB64 = Buffer.from(value, 'utf8').toString('base64');
    return this.store.putVersion(call.project, path, expected, async (r) => {
      if (r.uid !== secret.uid) throw currentVersionChanged('secret re-created');
      const enc = await this.kms.encrypt({
        region: secret.region, keyIdentity: secret.kmsKeyIdentity, plaintextB64,
        associatedDataB64: secretAssociatedDataB64(call.project, path, r.version, r.uid), caller: call.caller, requestId: call.requestId, deadline,
      });
      // After the KMS call, right before the commit: past the deadline the number is given back.
      (call.beforeCommit ?? noGuard)();
      return { ciphertext: enc.ciphertext, kmsKeyVersion: enc.keyVersion };
    }, Buffer.byteLength(value, 'utf8'));
  }

  /** One version's record as a put returned it (an idempotent retry's answer); NOT_FOUND once it is gone. */
  async versionRecord(project: string, path: string, uid: string, n: number): Promise<SecretVersionRecord> {
    const { secret, version } = await this.store.readValue(project, path, n);
    if (!secret || secret.uid !== uid || !version) throw secretNotFound();
    return { version: version.version, state: version.state, createdAt: version.createdAt, kmsKeyVersion: version.kmsKeyVersion };
  }

  /**
   * getSecretValue: without a version, reads currentVersion; a DELETED/DESTROYED/absent version is
   * NOT_FOUND (no fall-back to an older one). Decrypts in the secret's region.
   */
  async getSecretValue(call: SecretsCall, args: { path: unknown; version?: unknown }): Promise<RevealedValue> {
    return this.revealPrepared(call, await this.prepareReveal(call.project, args));
  }

  /**
   * A reveal's one store read (the secret and the version's ciphertext), which can start before
   * the request's checks are done: it decides nothing and returns nothing to the caller by itself.
   * A bad `version` is kept to be thrown by revealPrepared (so it is that reveal's FAILURE) and the
   * current version is read meanwhile, for the secret's region.
   */
  async prepareReveal(project: string, args: { path: unknown; version?: unknown }): Promise<PreparedReveal> {
    const path = validatePath(args.path);
    let requested: number | null = null;
    let invalid: ApiError | null = null;
    try {
      requested = args.version === undefined || args.version === null ? null : validateVersionNumber(args.version);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      invalid = err;
    }
    return { path, requested, invalid, read: await this.store.readValue(project, path, requested) };
  }

  /** The rest of a reveal: the version rules, then KMS decrypt in the secret's region. */
  async revealPrepared(call: SecretsCall, p: PreparedReveal): Promise<RevealedValue> {
    if (p.invalid) throw p.invalid;
    const ready = readableValue(call.project, p.path, p.read, p.requested);
    const dec = await this.kms.decrypt({
      region: ready.secret.region, keyIdentity: ready.secret.kmsKeyIdentity, ciphertext: ready.ciphertext,
      associatedDataB64: ready.associatedDataB64, caller: call.caller, requestId: call.requestId, deadline: this.deadline(call),
    });
    return revealedValue(ready, { text: Buffer.from(dec.plaintextB64, 'base64').toString('utf8'), keyVersion: dec.keyVersion });
  }

  /**
   * ≤ 100 paths; each item fails on its own (bad path, FORBIDDEN by `check` — see pathConfinement —,
   * NOT_FOUND, KMS errors). Order kept; a repeated path is revealed once (one decryptBatch per key
   * and region: batchDecrypt.ts) and every copy gets that result. The first copy of each path comes
   * with its audit event (batchReveal.ts), in the secret's region as read, else in `requestRegion`.
   */
  async batchGetSecretValue(
    call: SecretsCall,
    paths: unknown,
    check: (path: string) => ApiError | null = () => null,
    opts: { requestRegion?: string } = {},
  ): Promise<BatchRevealItem[]> {
    return this.revealBatch(call, await this.prepareBatch(call.project, paths, check), opts);
  }

  /**
   * A batch reveal's one store read (every distinct path checked, read and put through the
   * rules), which can start before the request's checks are done, as prepareReveal: it decides
   * nothing and returns nothing to the caller by itself. BAD_USER_INPUT for more than 100 paths.
   */
  async prepareBatch(project: string, paths: unknown, check: (path: string) => ApiError | null = () => null): Promise<PreparedBatch> {
    const list = validateBatchPaths(paths);
    const distinct = [...new Set(list)];
    return { list, distinct, reads: await readMany(this.store, project, distinct, check) };
  }

  /** The rest of a batch reveal: the KMS step, then each item with its audit event (see batchGetSecretValue). */
  async revealBatch(call: SecretsCall, p: PreparedBatch, opts: { requestRegion?: string } = {}): Promise<BatchRevealItem[]> {
    const outcomes = await revealReads(this.kms, call, p.reads, this.deadline(call));
    const outcomeOf = new Map(p.distinct.map((path, i) => [path, outcomes[i]]));
    const seen = new Set<unknown>();
    return p.list.map((path) => {
      const { outcome: item, meta } = outcomeOf.get(path)!;
      const first = !seen.has(path);
      seen.add(path);
      return { path: item.path, value: item.value, error: item.error, audit: first ? revealAudit(item, meta, opts.requestRegion) : null, revealed: first && item.value ? meta : null };
    });
  }

  async getSecret(project: string, path: unknown): Promise<SecretMeta | null> {
    return this.store.getMeta(project, validatePath(path));
  }

  /** Many secrets by (already validated) path in one read; null where absent. */
  getSecretsMany(project: string, paths: string[]): Promise<(SecretMeta | null)[]> {
    return this.store.getMetaMany(project, paths);
  }

  async listSecrets(
    project: string,
    args: { pathPrefix?: unknown; region?: unknown; kmsKeyIdentity?: unknown; first?: unknown; after?: unknown; identityOnly?: boolean },
    allowedPrefixes: string[] | null = null,
  ): Promise<Page<SecretMeta>> {
    const q: ListSecretsQuery = {
      pathPrefix: validatePathPrefix(args.pathPrefix),
      region: args.region === undefined || args.region === null ? null : this.validateRegion(args.region),
      kmsKeyIdentity: args.kmsKeyIdentity === undefined || args.kmsKeyIdentity === null ? null : validateKeyIdentity(args.kmsKeyIdentity, 'kmsKeyIdentity'),
      first: validateFirst(args.first, 200, 50),
      after: optionalString(args.after, 'after'),
      allowedPrefixes,
      identityOnly: args.identityOnly === true,
    };
    return this.store.listSecrets(project, q);
  }

  async listVersions(project: string, path: string, first: unknown, after: unknown): Promise<Page<SecretVersionRecord>> {
    return this.store.listVersions(project, path, validateFirst(first, 100, 20), optionalString(after, 'after'));
  }

  async deleteSecret(project: string, path: unknown, beforeCommit: () => void = noGuard): Promise<boolean> {
    const p = validatePath(path);
    beforeCommit();
    if (!(await this.store.deleteSecret(project, p))) throw secretNotFound();
    return true;
  }

  async changeVersions(project: string, action: VersionAction, path: unknown, versions: unknown, beforeCommit: () => void = noGuard): Promise<SecretMeta> {
    const p = validatePath(path);
    const list = validateVersionList(versions);
    beforeCommit();
    return this.store.setVersionStates(project, p, action, list);
  }

  // ------------------------------------------------------------------------------------------

  private async requireSecret(project: string, path: string): Promise<SecretMeta> {
    const secret = await this.store.getMeta(project, path);
    if (!secret) throw secretNotFound();
    return secret;
  }

  /**
   * One KMS budget per operation: all its KMS calls share start + kmsBudgetMs (below the gateway's
   * timeout), and end POST_KMS_RESERVE_MS before the request's own deadline, so an operation never
   * outlives its caller's wait — e.g. a create whose answer the gateway already gave up on must
   * not go on to write the secret.
   */
  private deadline(call: SecretsCall): number | undefined {
    const own = this.opts.kmsBudgetMs === undefined ? undefined : Date.now() + this.opts.kmsBudgetMs;
    if (call.deadline === undefined || call.deadline === null) return own;
    const left = call.deadline - POST_KMS_RESERVE_MS;
    return own === undefined ? left : Math.min(own, left);
  }

  private validateRegion(region: unknown): string {
    if (typeof region !== 'string' || !this.regions.has(region)) throw badInput('region is not a known region', { field: 'region' });
    return region;
  }
}

/** A batch as prepareBatch read it: the list as given, its distinct paths, and their reads. */
export interface PreparedBatch {
  list: unknown[];
  distinct: unknown[];
  reads: BatchRead[];
}

function optionalString(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw badInput(`${field} must be a string`, { field });
  return v;
}
