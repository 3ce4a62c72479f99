import { ApiError, badInput, notFound } from '../../../shared/errors';
import { validateKeyIdentity } from '../../../shared/identifiers';
import type { RegionRegistry } from '../../../shared/regions';
import type { KmsCaller, KmsClient } from '../../../shared/kmsClient';
import { secretAssociatedDataB64 } from './associatedData';
import { revealAudit, type BatchRevealItem, type RevealOutcome } from './batchReveal';
import { secretExists, secretNotFound, versionDestroyed } from './errors';
import type { ListSecretsQuery, SecretIndexReads, SecretMetaUpdate, SecretRepository } from './ports';
import { newSecretUid, type Page, type SecretMeta, type SecretVersionRecord } from './secret';
import {
  validateDescription, validateExpectedVersion, validateFirst, validateMaxVersions, validatePath, validatePathPrefix,
  validateTags, validateValue, validateVersionList, validateVersionNumber, validateBatchPaths, isPathShaped,
} from './secretInput';
import { assertKeyUnchanged, assertReadable, versionToRead, type VersionAction } from './secretVersion';

/**
 * Secrets Manager as a consumer of KMS (the seed): validates input, checks the key binding, and
 * runs put and reveal through the regional KMS with associated data binding project, path,
 * version and incarnation. No GraphQL, no Redis names (it depends on the ports it declares);
 * scopes and feature gates are the resolver's job (it knows the request), and so is writing the
 * audit events, whose content this module decides where it is a rule (batch reveal, create's region).
 */
export type KmsPort = Pick<KmsClient, 'encrypt' | 'decrypt' | 'getKey'>;

/** Who acts and for which request: forwarded to KMS so its audit events name the caller. */
export interface SecretsCall {
  project: string;
  caller: KmsCaller;
  requestId: string;
  /** The request's deadline (ms since epoch; null/absent: none announced): bounds the KMS calls. */
  deadline?: number | null;
  /** Throws once the deadline has passed; called first and right before each commit. */
  beforeCommit?: () => void;
}

/** What a call keeps of its deadline for its own work after a KMS call: the commit and its audit event. */
export const POST_KMS_RESERVE_MS = 100;

const noGuard = () => undefined;

/** Only symmetric encryption keys can protect secret values (seed: "Supported key types"). */
export const SUPPORTED_KEY_TYPES = ['AES128_GCM96', 'AES256_GCM96', 'CHACHA20_POLY1305'] as const;

export interface CreateSecretArgs {
  path: unknown;
  kmsKeyIdentity: unknown;
  region?: unknown;
  description?: unknown;
  tags?: unknown;
  maxVersions?: unknown;
  value?: unknown;
}

export interface UpdateSecretArgs {
  path: unknown;
  description?: unknown;
  tags?: unknown;
  maxVersions?: unknown;
  kmsKeyIdentity?: unknown;
}

/** A revealed value (the GraphQL layer maps it onto SecretValue). */
export interface RevealedValue {
  path: string;
  version: number;
  value: string;
  createdAt: string;
  kmsKeyVersion: number;
}

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
    await this.assertKeyBindable(call, region, kmsKeyIdentity, deadline);
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

  /** putSecretValue: reserve a number (CAS) → KMS encrypt with AAD(version) → commit (see store/versionStore.ts). */
  async putSecretValue(call: SecretsCall, args: { path: unknown; value: unknown; expectedVersion?: unknown }): Promise<SecretVersionRecord> {
    const path = validatePath(args.path);
    const value = validateValue(args.value);
    const expected = validateExpectedVersion(args.expectedVersion);
    (call.beforeCommit ?? noGuard)();
    const deadline = this.deadline(call);
    const secret = await this.requireSecret(call.project, path);
    const plaintextB64 = Buffer.from(value, 'utf8').toString('base64');
    return this.store.putVersion(call.project, path, expected, async (r) => {
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
    const path = validatePath(args.path);
    const requested = args.version === undefined || args.version === null ? null : validateVersionNumber(args.version);
    return this.reveal(call, path, requested, this.deadline(call));
  }

  /**
   * ≤ 100 paths; each item fails on its own (bad path, FORBIDDEN by `check` — see
   * pathConfinement —, NOT_FOUND, KMS errors). Order kept; a repeated path is revealed once and
   * every copy gets that result. The first copy of each path comes with the audit event it needs
   * (batchReveal.ts), decided from the secret as read before the reveal; where there is no secret
   * the event is in `requestRegion`.
   */
  async batchGetSecretValue(
    call: SecretsCall,
    paths: unknown,
    check: (path: string) => ApiError | null = () => null,
    opts: { requestRegion?: string } = {},
  ): Promise<BatchRevealItem[]> {
    const list = validateBatchPaths(paths);
    const recorded = [...new Set(list.filter(isPathShaped))];
    const metas = await this.store.getMetaMany(call.project, recorded);
    const metaOf = new Map(recorded.map((p, i) => [p, metas[i]]));
    const deadline = this.deadline(call);
    // A path listed again is the same reveal: decrypted and audited once, its outcome shared by every copy.
    const distinct = [...new Set(list)];
    const outcomes = await Promise.all(
      distinct.map(async (p): Promise<RevealOutcome> => {
        const path = typeof p === 'string' ? p : '';
        try {
          validatePath(p);
          const denied = check(path);
          if (denied) throw denied;
          return { path, value: await this.reveal(call, path, null, deadline), error: null };
        } catch (err) {
          if (err instanceof ApiError) return { path, value: null, error: err };
          throw err;
        }
      }),
    );
    const outcomeOf = new Map(distinct.map((p, i) => [p, outcomes[i]]));
    const seen = new Set<unknown>();
    return list.map((p) => {
      const item = outcomeOf.get(p)!;
      const first = !seen.has(p);
      seen.add(p);
      const meta = metaOf.get(item.path) ?? null;
      return { ...item, audit: first ? revealAudit(item, meta, opts.requestRegion) : null, revealed: first && item.value ? meta : null };
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
    args: { pathPrefix?: unknown; region?: unknown; kmsKeyIdentity?: unknown; first?: unknown; after?: unknown },
    allowedPrefixes: string[] | null = null,
  ): Promise<Page<SecretMeta>> {
    const q: ListSecretsQuery = {
      pathPrefix: validatePathPrefix(args.pathPrefix),
      region: args.region === undefined || args.region === null ? null : this.validateRegion(args.region),
      kmsKeyIdentity: args.kmsKeyIdentity === undefined || args.kmsKeyIdentity === null ? null : validateKeyIdentity(args.kmsKeyIdentity, 'kmsKeyIdentity'),
      first: validateFirst(args.first, 200, 50),
      after: optionalString(args.after, 'after'),
      allowedPrefixes,
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

  private async reveal(call: SecretsCall, path: string, requested: number | null, deadline: number | undefined): Promise<RevealedValue> {
    const { secret, version } = await this.store.readValue(call.project, path, requested);
    if (!secret) throw secretNotFound();
    const n = versionToRead(secret, requested);
    assertReadable(n, version);
    if (!version.ciphertext) throw versionDestroyed(n);
    const dec = await this.kms.decrypt({
      region: secret.region, keyIdentity: secret.kmsKeyIdentity, ciphertext: version.ciphertext,
      associatedDataB64: secretAssociatedDataB64(call.project, path, n, secret.uid), caller: call.caller, requestId: call.requestId, deadline,
    });
    return { path, version: n, value: Buffer.from(dec.plaintextB64, 'base64').toString('utf8'), createdAt: version.createdAt, kmsKeyVersion: dec.keyVersion };
  }

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

  /** The seed's key binding rules, checked against the KMS of the secret's region. */
  private async assertKeyBindable(call: SecretsCall, region: string, identity: string, deadline: number | undefined): Promise<void> {
    const key = await this.kms.getKey({ region, identity, caller: call.caller, requestId: call.requestId, deadline });
    if (!key) {
      // Tell "wrong region" from "no such key": look in the other regions that have KMS (in parallel;
      // an unreachable region just doesn't count).
      const others = this.regions.withKms().filter((r) => r.name !== region);
      const found = await Promise.all(
        others.map((r) => this.kms.getKey({ region: r.name, identity, caller: call.caller, requestId: call.requestId, deadline }).catch(() => null)),
      );
      if (found.some(Boolean)) {
        throw new ApiError('KEY_REGION_MISMATCH', `KMS key ${identity} is not in region ${region}; a secret's key must be in the secret's region`, { region });
      }
      throw notFound(`No KMS key ${identity} in region ${region}`);
    }
    if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(key.type)) {
      throw new ApiError('UNSUPPORTED_KEY_TYPE', `Secrets can be bound only to symmetric encryption keys (${SUPPORTED_KEY_TYPES.join(', ')})`);
    }
    if (key.status !== 'ACTIVE') {
      throw new ApiError('KMS_KEY_NOT_ACTIVE', `KMS key ${identity} is ${key.status}`, { kmsKeyStatus: key.status });
    }
  }
}

function optionalString(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw badInput(`${field} must be a string`, { field });
  return v;
}
