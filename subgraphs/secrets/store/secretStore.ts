import { randomBytes } from 'node:crypto';
import { pathAllowedBy, pathUnderPrefix } from '../../../shared/principal';
import { Cluster } from 'ioredis';
import { pipelined, type Command, type RedisClient } from '../../../shared/redis';
import { ApiError, badInput, notFound } from '../../../shared/errors';
import type { Page, Secret, SecretTag, SecretVersion, SecretVersionState, SecretVersionWithCiphertext } from '../domain/secret';
import { SECRET_VERSION_STATES } from '../domain/secret';
export { newSecretUid } from '../domain/secret';
import { nextState, versionConflict, type VersionAction } from '../domain/secretVersion';
import { decodePathCursor, decodeVersionCursor, encodePathCursor, encodeVersionCursor } from '../domain/cursor';
import { PATH_RE } from '../domain/secretInput';
import * as lua from './secretScripts';

/**
 * The secret store: the only code that knows the Redis key names and the Lua of Secrets Manager.
 *
 * Per secret (one hash tag `{<project>:<path>}`, so every multi-key update is one atomic script,
 * also on Redis Cluster): `sec:{p:path}:meta|versions|values|live|order|pending` (see
 * secretScripts.ts). Paths cannot hold `{`, `}` or `:`, so the tag is unambiguous.
 *
 * Per project (hash tag `{<project>}`; lexicographic ZSETs, score 0):
 *   `sec:idx:{p}:all`                          every path of the project
 *   `sec:idx:{p}:key:<region>:<identity>`      paths bound to that KMS key
 *   `sec:idx:{p}:used:<region>:<identity>`     the same paths once revealed; score = last reveal (ms),
 *                                              written at most once per secret per window (SecretAccess)
 * Index keys live in another slot than the secret, so they cannot share its script. Order of
 * writes keeps the safe direction on a crash: create adds index entries BEFORE the secret (and
 * again after it), delete removes them AFTER it and then re-adds those of a secret created
 * meanwhile (see unindex). A crash can thus leave an entry without a secret (readers skip it;
 * boundSecretCount may over-count, which errs towards "key still in use"), never a secret missing
 * from the index. `repairIndexes` rebuilds both from the secrets themselves.
 */

const PROJECT_RE = /^[A-Za-z0-9_.@+=:-]{1,128}$/;
const SECRET_KEY_SUFFIXES = ['meta', 'versions', 'values', 'live', 'order', 'pending'] as const;
const RESERVATION_TTL_MS = 60_000;
/** Index entries examined at most per filtered listing call (a sparse filter returns a short page + cursor). */
const MAX_SCANNED_PER_PAGE = 5_000;
const LIST_CHUNK = 200;

/** A new secret: its metadata as the domain defines it (timestamps and versions are the store's). */
export type CreateSecretInput = Omit<Secret, 'createdAt' | 'updatedAt' | 'currentVersion'> & {
  /** Optional first value, already encrypted for version 1 with this uid (generate it with newSecretUid()). */
  firstVersion?: { ciphertext: string; kmsKeyVersion: number } | null;
};

export interface UpdateSecretInput {
  /** undefined = unchanged, null = cleared. */
  description?: string | null;
  tags?: SecretTag[];
  maxVersions?: number;
}

export interface Reservation {
  project: string;
  path: string;
  version: number;
  /** The secret's incarnation id, for the associated data. */
  uid: string;
  token: string;
}

export interface ListSecretsOptions {
  pathPrefix?: string;
  region?: string | null;
  kmsKeyIdentity?: string | null;
  /** Token confinement: only paths starting with one of these (null/empty = all). */
  allowedPrefixes?: string[] | null;
  first: number;
  after?: string | null;
}

export interface BoundKeyRef {
  region: string;
  identity: string;
}

type Flat = string[] | Record<string, string>;

interface BatchTarget {
  hgetall(key: string): unknown;
  zcard(key: string): unknown;
  zscore(key: string, member: string): unknown;
  zcount(key: string, min: number | string, max: number | string): unknown;
  secretsAccessed(key: string, ...argv: string[]): unknown;
  zrangebylex(key: string, min: string, max: string, limit: 'LIMIT', offset: number, count: number): unknown;
}

interface ScriptCommands {
  secretsCreate(...args: string[]): Promise<string[]>;
  secretsReserve(...args: string[]): Promise<[number, string, number]>;
  secretsCommit(...args: string[]): Promise<string>;
  secretsRelease(...args: string[]): Promise<number>;
  secretsUpdate(...args: string[]): Promise<string[]>;
  secretsSetStates(...args: string[]): Promise<string[]>;
  secretsDelete(...args: string[]): Promise<[string, string] | null>;
  secretsReadValue(...args: string[]): Promise<[string[], string?, (string | null)?, (string | null)?]>;
  secretsListVersions(...args: string[]): Promise<[string[], ...string[]]>;
  secretsRecordAccess(usedIndex: string, path: string, atMs: string, windowMs: string): Promise<number>;
}

/** A page of boundSecrets(accessedSince): from `after` (a cursor), paths revealed at or after `sinceMs`. */
export type AccessedPageQuery = BoundKeyRef & { first: number; after?: string | null; sinceMs: number };

export class SecretStore {
  private readonly cmd: ScriptCommands;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: { now?: () => Date; reservationTtlMs?: number } = {},
  ) {
    const scripts: [keyof ScriptCommands, string][] = [
      ['secretsCreate', lua.CREATE],
      ['secretsReserve', lua.RESERVE],
      ['secretsCommit', lua.COMMIT],
      ['secretsRelease', lua.RELEASE],
      ['secretsUpdate', lua.UPDATE],
      ['secretsSetStates', lua.SET_STATES],
      ['secretsDelete', lua.DELETE],
      ['secretsReadValue', lua.READ_VALUE],
      ['secretsListVersions', lua.LIST_VERSIONS],
    ];
    for (const [name, script] of scripts) redis.defineCommand(name, { numberOfKeys: SECRET_KEY_SUFFIXES.length, lua: script });
    redis.defineCommand('secretsRecordAccess', { numberOfKeys: 1, lua: lua.RECORD_ACCESS });
    redis.defineCommand('secretsAccessed', { numberOfKeys: 1, lua: lua.ACCESSED });
    this.cmd = redis as unknown as ScriptCommands;
  }

  private now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }

  // ---------------------------------------------------------------- secrets

  /** ALREADY_EXISTS when the path is taken in the project. */
  async createSecret(input: CreateSecretInput): Promise<Secret> {
    const { project, path } = input;
    checkProject(project);
    const now = this.now().toISOString();
    // Index first (see the class comment): an entry without a secret is harmless, the reverse is not.
    await this.redis.multi().zadd(allIndexKey(project), 0, path).zadd(boundIndexKey(project, input.region, input.kmsKeyIdentity), 0, path).exec();
    const first = input.firstVersion ?? null;
    let flat: string[];
    try {
      flat = await this.cmd.secretsCreate(
        ...secretKeys(project, path),
        input.region,
        input.kmsKeyIdentity,
        input.description === null ? '0' : '1',
        input.description ?? '',
        JSON.stringify(input.tags),
        now,
        String(input.maxVersions),
        input.uid,
        first ? '1' : '0',
        first?.ciphertext ?? '',
        String(first?.kmsKeyVersion ?? 0),
      );
    } catch (err) {
      const e = mapScriptError(err);
      if (e.code === 'ALREADY_EXISTS') {
        // Undo our bound-index entry unless the existing secret is bound to the same key.
        const [region, identity] = (e.extensions.existing as string).split(' ');
        if (region !== input.region || identity !== input.kmsKeyIdentity) {
          await this.unindex(project, path, [boundIndexKey(project, input.region, input.kmsKeyIdentity)]);
        }
        throw new ApiError('ALREADY_EXISTS', 'A secret already exists at this path');
      }
      throw e;
    }
    const secret = parseMeta(project, path, flat)!;
    // Again after the secret exists: a concurrent delete of the previous secret at this path may
    // have removed our entries between our first write and the script (see unindex).
    await this.index(secret);
    return secret;
  }

  async getMeta(project: string, path: string): Promise<Secret | null> {
    checkProject(project);
    return parseMeta(project, path, await this.redis.hgetall(metaKey(project, path)));
  }

  /** Many secrets in one pipelined round trip (per cluster node); null where absent. Order kept. */
  async getMetaMany(project: string, paths: string[]): Promise<(Secret | null)[]> {
    checkProject(project);
    const res = await batch(this.redis, paths.map((p) => (c: BatchTarget) => c.hgetall(metaKey(project, p))));
    return res.map((flat, i) => parseMeta(project, paths[i], flat as Flat));
  }

  /** NOT_FOUND when absent. Shrinking maxVersions destroys the oldest versions beyond it. */
  async updateSecret(project: string, path: string, input: UpdateSecretInput): Promise<Secret> {
    checkProject(project);
    const desc = input.description === undefined ? ['0', ''] : input.description === null ? ['2', ''] : ['1', input.description];
    const flat = await this.script(path, () =>
      this.cmd.secretsUpdate(
        ...secretKeys(project, path),
        this.now().toISOString(),
        desc[0],
        desc[1],
        input.tags === undefined ? '0' : '1',
        JSON.stringify(input.tags ?? []),
        input.maxVersions === undefined ? '0' : '1',
        String(input.maxVersions ?? 0),
      ),
    );
    return parseMeta(project, path, flat)!;
  }

  /** Removes the secret, all its versions and its index entries; the path can be created again. Returns false if absent. */
  async deleteSecret(project: string, path: string): Promise<boolean> {
    checkProject(project);
    const deleted = await this.cmd.secretsDelete(...secretKeys(project, path));
    if (!deleted) return false;
    const [region, identity] = deleted;
    await this.unindex(project, path, [allIndexKey(project), boundIndexKey(project, region, identity), usedIndexKey(project, region, identity)]);
    return true;
  }

  private async index(s: Secret): Promise<void> {
    await this.redis.multi().zadd(allIndexKey(s.project), 0, s.path).zadd(boundIndexKey(s.project, s.region, s.kmsKeyIdentity), 0, s.path).exec();
  }

  /**
   * Removes a path from index keys, then re-reads the secret and re-adds whatever is live. The
   * index keys are in another slot than the secret, so no script can check both; instead the
   * removal is followed by a read, and create writes its entries again after its script: a
   * create that races a delete of the previous secret at the same path either ran its script
   * before this read (re-added here) or after it (re-added by the create), so a live secret
   * never stays missing from its indexes.
   */
  private async unindex(project: string, path: string, keys: string[]): Promise<void> {
    const m = this.redis.multi();
    for (const k of keys) m.zrem(k, path);
    await m.exec();
    const live = await this.getMeta(project, path);
    if (live) await this.index(live);
  }

  // ---------------------------------------------------------------- last access

  /**
   * Records a reveal of `secret` at `atMs` in its key's last-access index, unless the stored time
   * is less than `windowMs` older. True if it wrote.
   */
  async recordAccess(secret: Secret, atMs: number, windowMs: number): Promise<boolean> {
    checkProject(secret.project);
    const key = usedIndexKey(secret.project, secret.region, secret.kmsKeyIdentity);
    return (await this.cmd.secretsRecordAccess(key, secret.path, String(atMs), String(windowMs))) === 1;
  }

  /**
   * Last reveal (ms) of many secrets in one pipelined round trip; null if never revealed. A time
   * before the secret's creation belongs to an earlier secret at the path (an index entry a crash
   * left behind) and is not reported.
   */
  async lastAccessedMany(secrets: Secret[]): Promise<(number | null)[]> {
    for (const s of secrets) checkProject(s.project);
    const res = await batch(this.redis, secrets.map((s) => (c: BatchTarget) => c.zscore(usedIndexKey(s.project, s.region, s.kmsKeyIdentity), s.path)));
    return res.map((v, i) => {
      if (v === null || v === undefined) return null;
      const ms = Number(v);
      return Number.isFinite(ms) && ms >= Date.parse(secrets[i].createdAt) ? ms : null;
    });
  }

  /**
   * boundSecretCount(accessedSince) for many keys in one pipelined round trip: ZCOUNT of each key's
   * last-access index, or with path confinement an exact count within the prefixes (one script per
   * key, in the same round trip).
   */
  async boundSecretCountsAccessed(project: string, keys: BoundKeyRef[], sinceMs: number, prefixes: string[] | null): Promise<number[]> {
    checkProject(project);
    const roots = rootsArgs(prefixes);
    const res = await batch(
      this.redis,
      keys.map((k) => (c: BatchTarget) => {
        const key = usedIndexKey(project, k.region, k.identity);
        return roots === null ? c.zcount(key, sinceMs, '+inf') : c.secretsAccessed(key, String(sinceMs), '', '0', ...roots);
      }),
    );
    return res.map((n) => Number(n));
  }

  /**
   * Pages of boundSecrets(accessedSince) for many keys: one pipelined script round trip for all
   * keys (each returns its next matching paths in path order, filtered by time and prefixes), one
   * pipelined metadata read. Pages are complete: an entry whose secret is gone (see the class
   * comment) is skipped and that key's page is topped up from where it stopped.
   */
  async boundSecretsAccessedMany(project: string, queries: AccessedPageQuery[], prefixes: string[] | null): Promise<Page<Secret>[]> {
    checkProject(project);
    const roots = rootsArgs(prefixes);
    const state = queries.map((q) => ({ q, after: decodePathCursor(q.after), found: [] as Secret[], more: true }));
    const open = () => state.filter((s) => s.more && s.found.length <= s.q.first);
    for (let round = 0; round < 10 && open().length > 0; round++) {
      const todo = open();
      const lists = (await batch(
        this.redis,
        todo.map((s) => (c: BatchTarget) =>
          c.secretsAccessed(usedIndexKey(project, s.q.region, s.q.identity), String(s.q.sinceMs), s.after ?? '', String(s.q.first + 1 - s.found.length), ...(roots ?? [])),
        ),
      )) as string[][];
      const hits = lists.map(pairs);
      const all = [...new Set(hits.flat().map((h) => h.path))];
      const metas = await this.getMetaMany(project, all);
      const byPath = new Map(all.map((p, i) => [p, metas[i]]));
      todo.forEach((s, i) => {
        const want = s.q.first + 1 - s.found.length;
        for (const h of hits[i]) {
          const m = byPath.get(h.path);
          if (m && m.region === s.q.region && m.kmsKeyIdentity === s.q.identity && h.ms >= Date.parse(m.createdAt)) s.found.push(m);
        }
        if (hits[i].length) s.after = hits[i][hits[i].length - 1].path;
        s.more = hits[i].length === want;
      });
    }
    return state.map((s) => {
      // first + 1 matches tell that a next page exists.
      if (s.found.length > s.q.first) {
        const nodes = s.found.slice(0, s.q.first);
        return { nodes, hasNextPage: true, endCursor: nodes.length ? encodePathCursor(nodes[nodes.length - 1].path) : s.q.after ?? null };
      }
      const last = s.found.length ? s.found[s.found.length - 1].path : null;
      if (!s.more) return { nodes: s.found, hasNextPage: false, endCursor: last ? encodePathCursor(last) : null };
      // Rounds spent skipping dangling entries: a short page whose cursor resumes after what was examined.
      return { nodes: s.found, hasNextPage: true, endCursor: s.after ? encodePathCursor(s.after) : s.q.after ?? null };
    });
  }

  // ---------------------------------------------------------------- versions

  /**
   * Step 1 of a put. The version number must be known BEFORE encryption (it is in the associated
   * data), so a put is: reserve a number (CAS decided here, atomically) → encrypt with
   * AAD(version) → commit. Numbers are handed out strictly in order, so N concurrent puts that
   * all commit get N consecutive numbers, whatever order they commit in; currentVersion is the
   * highest committed. A put that fails between the steps must call releaseVersion; one that dies
   * silently is released when its reservation expires (next reserve sweeps). A released top
   * number is reused; a released lower number becomes a DESTROYED version — never a gap.
   */
  async reserveVersion(project: string, path: string, expectedVersion: number | null): Promise<Reservation> {
    checkProject(project);
    const now = this.now();
    const token = randomBytes(12).toString('base64url');
    const ttl = this.opts.reservationTtlMs ?? RESERVATION_TTL_MS;
    try {
      const [version, uid] = await this.cmd.secretsReserve(
        ...secretKeys(project, path),
        String(now.getTime()),
        String(ttl),
        token,
        expectedVersion === null ? '' : String(expectedVersion),
        now.toISOString(),
      );
      return { project, path, version: Number(version), uid, token };
    } catch (err) {
      const e = mapScriptError(err);
      if (e.code === 'VERSION_CONFLICT' && expectedVersion !== null) {
        const current = Number(e.extensions.detail);
        throw versionConflict(expectedVersion, current === 0 ? null : current);
      }
      throw e;
    }
  }

  /** Step 2: stores the ciphertext under the reservation. VERSION_CONFLICT if the reservation was lost (expired). */
  async commitVersion(reservation: Reservation, ciphertext: string, kmsKeyVersion: number): Promise<SecretVersion> {
    const { project, path, version, token } = reservation;
    const raw = await this.script(path, () =>
      this.cmd.secretsCommit(...secretKeys(project, path), String(version), token, ciphertext, String(kmsKeyVersion), this.now().toISOString()),
    );
    return parseVersion(version, raw)!;
  }

  /** Gives a reservation back (a failed encrypt). Best effort: an unreleased one expires anyway. */
  async releaseVersion(reservation: Reservation): Promise<boolean> {
    const { project, path, version, token } = reservation;
    return (await this.cmd.secretsRelease(...secretKeys(project, path), String(version), token, this.now().toISOString())) === 1;
  }

  /**
   * The whole put: reserve → encrypt(version, uid) → commit, releasing the number if encrypt or
   * commit fails. `encrypt` is where the caller runs KMS with AAD(project, path, version, uid).
   */
  async putVersion(
    project: string,
    path: string,
    expectedVersion: number | null,
    encrypt: (r: Reservation) => Promise<{ ciphertext: string; kmsKeyVersion: number }>,
  ): Promise<SecretVersion> {
    const reservation = await this.reserveVersion(project, path, expectedVersion);
    try {
      const { ciphertext, kmsKeyVersion } = await encrypt(reservation);
      return await this.commitVersion(reservation, ciphertext, kmsKeyVersion);
    } catch (err) {
      await this.releaseVersion(reservation).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Everything a reveal needs in one round trip: the secret, the resolved version number
   * (currentVersion when `version` is null) and that version's record with its ciphertext
   * (null ciphertext once destroyed). Secret null = absent; version null = no such version.
   */
  async readValue(
    project: string,
    path: string,
    version: number | null,
  ): Promise<{ secret: Secret | null; version: SecretVersionWithCiphertext | null }> {
    checkProject(project);
    const [flat, v, raw, ct] = await this.cmd.secretsReadValue(...secretKeys(project, path), version === null ? '' : String(version));
    const secret = parseMeta(project, path, flat);
    if (!secret || !v || !raw) return { secret, version: null };
    const rec = parseVersion(Number(v), raw)!;
    return { secret, version: { ...rec, ciphertext: rec.state === 'DESTROYED' ? null : ct ?? null } };
  }

  /** A version for reveal (ciphertext included); null when the secret or version is absent. */
  async getVersion(project: string, path: string, version: number): Promise<SecretVersionWithCiphertext | null> {
    return (await this.readValue(project, path, version)).version;
  }

  /** Newest first. NOT_FOUND when the secret is absent. */
  async listVersions(project: string, path: string, first: number, after?: string | null): Promise<Page<SecretVersion>> {
    checkProject(project);
    const afterVersion = decodeVersionCursor(after);
    const [flat, ...pairs] = await this.cmd.secretsListVersions(
      ...secretKeys(project, path),
      afterVersion === null ? '+inf' : String(afterVersion),
      String(first + 1),
    );
    if (!parseMeta(project, path, flat)) throw notFound('No secret at this path');
    const nodes: SecretVersion[] = [];
    for (let i = 0; i < pairs.length; i += 2) {
      const rec = parseVersion(Number(pairs[i]), pairs[i + 1]);
      if (rec) nodes.push(rec);
    }
    const hasNextPage = nodes.length > first;
    const page = nodes.slice(0, first);
    return { nodes: page, hasNextPage, endCursor: page.length ? encodeVersionCursor(page[page.length - 1].version) : null };
  }

  /** delete / undelete / destroy, all-or-nothing (rules in domain/secretVersion.ts). Returns the secret. */
  async setVersionStates(project: string, path: string, action: VersionAction, versions: number[]): Promise<Secret> {
    checkProject(project);
    const table = SECRET_VERSION_STATES.map((s) => nextState(action, s) ?? '');
    const flat = await this.script(path, () =>
      this.cmd.secretsSetStates(...secretKeys(project, path), this.now().toISOString(), ...table, ...versions.map(String)),
    );
    return parseMeta(project, path, flat)!;
  }

  deleteVersions(project: string, path: string, versions: number[]): Promise<Secret> {
    return this.setVersionStates(project, path, 'delete', versions);
  }

  undeleteVersions(project: string, path: string, versions: number[]): Promise<Secret> {
    return this.setVersionStates(project, path, 'undelete', versions);
  }

  destroyVersions(project: string, path: string, versions: number[]): Promise<Secret> {
    return this.setVersionStates(project, path, 'destroy', versions);
  }

  // ---------------------------------------------------------------- listings

  /**
   * Secrets of a project in path order, from `pathPrefix`, after the cursor. With both region and
   * kmsKeyIdentity the bound-key index is read directly; other filters are applied to the fetched
   * metadata, examining at most MAX_SCANNED_PER_PAGE entries (then a short page with a cursor).
   * Each chunk costs two round trips (index range + one pipelined metadata fetch).
   */
  async listSecrets(project: string, o: ListSecretsOptions): Promise<Page<Secret>> {
    checkProject(project);
    const index = o.region && o.kmsKeyIdentity ? boundIndexKey(project, o.region, o.kmsKeyIdentity) : allIndexKey(project);
    const accept = (s: Secret) =>
      (!o.region || s.region === o.region) &&
      (!o.kmsKeyIdentity || s.kmsKeyIdentity === o.kmsKeyIdentity) &&
      pathAllowedBy(o.allowedPrefixes, s.path);
    return this.pageOfIndex(project, index, o.pathPrefix ?? '', o.first, o.after ?? null, accept);
  }

  /** Secrets bound to one KMS key (KmsKey.boundSecrets). */
  async boundSecrets(project: string, key: BoundKeyRef, first: number, after?: string | null): Promise<Page<Secret>> {
    checkProject(project);
    return this.pageOfIndex(project, boundIndexKey(project, key.region, key.identity), '', first, after ?? null, (s) =>
      s.region === key.region && s.kmsKeyIdentity === key.identity,
    );
  }

  /**
   * First pages of boundSecrets for many keys at once: one pipelined index read for all keys, one
   * pipelined metadata read for all paths (two round trips, whatever the number of keys).
   */
  async boundSecretsMany(project: string, keys: (BoundKeyRef & { first: number; after?: string | null })[]): Promise<Page<Secret>[]> {
    checkProject(project);
    const ranges = keys.map((k) => ({ min: lexMin('', decodePathCursor(k.after)), max: lexMax('') }));
    const lists = (await batch(
      this.redis,
      keys.map((k, i) => (c: BatchTarget) => c.zrangebylex(boundIndexKey(project, k.region, k.identity), ranges[i].min, ranges[i].max, 'LIMIT', 0, k.first + 1)),
    )) as string[][];
    const all = [...new Set(lists.flat())];
    const metas = await this.getMetaMany(project, all);
    const byPath = new Map(all.map((p, i) => [p, metas[i]]));
    return keys.map((k, i) => {
      const nodes = lists[i]
        .slice(0, k.first)
        .map((p) => byPath.get(p))
        .filter((s): s is Secret => !!s && s.region === k.region && s.kmsKeyIdentity === k.identity);
      // A dangling index entry (see class comment) can only make a page short, never wrong.
      const hasNextPage = lists[i].length > k.first;
      const last = k.first > 0 ? lists[i].slice(0, k.first).pop() : undefined;
      return { nodes, hasNextPage, endCursor: last ? encodePathCursor(last) : k.after ?? null };
    });
  }

  /** KmsKey.boundSecretCount for many keys in one pipelined round trip (ZCARD of each bound index). */
  async boundSecretCounts(project: string, keys: BoundKeyRef[]): Promise<number[]> {
    checkProject(project);
    const res = await batch(this.redis, keys.map((k) => (c: BatchTarget) => c.zcard(boundIndexKey(project, k.region, k.identity))));
    return res.map((n) => Number(n));
  }

  /**
   * KmsKey.boundSecretCount for a token confined to path prefixes: for each key, the exact number
   * of bound index entries admitted by the prefixes (whole segments, like pathUnderPrefix: `p`
   * admits `p` and `p/…`). Overlapping prefixes are reduced first, so nothing is counted twice.
   * One pipelined round trip of ZLEXCOUNTs, whatever the number of keys.
   */
  async boundSecretCountsWithin(project: string, keys: BoundKeyRef[], prefixes: string[]): Promise<number[]> {
    checkProject(project);
    const roots = disjointPrefixes(prefixes);
    const commands: Command[] = [];
    for (const k of keys) {
      const key = boundIndexKey(project, k.region, k.identity);
      for (const r of roots) {
        if (r === '') commands.push(['zcard', key]);
        else commands.push(['zlexcount', key, `[${r}`, `[${r}`], ['zlexcount', key, `[${r}/`, `(${r}0`]); // '0' follows '/'
      }
    }
    const res = await pipelined(this.redis, commands);
    const perKey = roots.reduce((n, r) => n + (r === '' ? 1 : 2), 0);
    return keys.map((_, i) => res.slice(i * perKey, (i + 1) * perKey).reduce((n: number, v) => n + Number(v), 0));
  }

  /**
   * Rebuilds the project's indexes from the secrets themselves (SCAN of the meta keys): adds what
   * is missing, removes entries whose secret is gone or bound elsewhere (re-checked just before
   * removal, so a secret created meanwhile keeps its entry). Returns what it changed.
   */
  async repairIndexes(project: string): Promise<{ secrets: number; added: number; removed: number }> {
    checkProject(project);
    const prefix = keyPrefixOf(this.redis);
    const metaPattern = `${globEscape(`${prefix}sec:{${project}:`)}*}:meta`;
    const indexPattern = `${globEscape(`${prefix}sec:idx:{${project}}:key:`)}*`;
    const usedPattern = `${globEscape(`${prefix}sec:idx:{${project}}:used:`)}*`;
    const [metaKeys, boundKeys, usedKeys] = await Promise.all([
      scanAll(this.redis, metaPattern),
      scanAll(this.redis, indexPattern),
      scanAll(this.redis, usedPattern),
    ]);
    const head = `${prefix}sec:{${project}:`;
    const paths = metaKeys
      .filter((k) => k.startsWith(head) && k.endsWith('}:meta'))
      .map((k) => k.slice(head.length, -'}:meta'.length))
      .filter((p) => PATH_RE.test(p));
    const metas = await this.getMetaMany(project, paths);
    const want = new Map<string, Set<string>>(); // index key → paths
    const add = (key: string, path: string) => (want.get(key) ?? want.set(key, new Set()).get(key)!).add(path);
    const all = allIndexKey(project);
    want.set(all, new Set());
    for (const s of metas) {
      if (!s) continue;
      add(all, s.path);
      add(boundIndexKey(project, s.region, s.kmsKeyIdentity), s.path);
    }
    for (const k of boundKeys) if (k.startsWith(prefix)) want.has(k.slice(prefix.length)) || want.set(k.slice(prefix.length), new Set());
    let added = 0;
    let removed = 0;
    for (const [key, paths] of want) {
      const have = new Set(await this.redis.zrange(key, 0, -1));
      const missing = [...paths].filter((p) => !have.has(p));
      if (missing.length) added += Number(await this.redis.zadd(key, ...missing.flatMap((p) => [0, p])));
      const extra = [...have].filter((p) => !paths.has(p));
      if (extra.length) {
        const now = await this.getMetaMany(project, extra);
        const bound = key === all ? null : key.slice(`sec:idx:{${project}}:key:`.length);
        const stale = extra.filter((p, i) => !now[i] || (bound !== null && `${now[i]!.region}:${now[i]!.kmsKeyIdentity}` !== bound));
        if (stale.length) removed += Number(await this.redis.zrem(key, ...stale));
      }
    }
    // Last-access entries cannot be rebuilt (only reveals write them); those of secrets gone or
    // bound elsewhere are removed, re-checked just before removal like the entries above.
    for (const k of usedKeys) {
      if (!k.startsWith(prefix)) continue;
      const key = k.slice(prefix.length);
      const bound = key.slice(`sec:idx:{${project}}:used:`.length);
      const members = await this.redis.zrange(key, 0, -1);
      if (!members.length) continue;
      const now = await this.getMetaMany(project, members);
      const stale = members.filter((p, i) => !now[i] || `${now[i]!.region}:${now[i]!.kmsKeyIdentity}` !== bound);
      if (stale.length) removed += Number(await this.redis.zrem(key, ...stale));
    }
    return { secrets: metas.filter(Boolean).length, added, removed };
  }

  // ---------------------------------------------------------------- internals

  private async pageOfIndex(
    project: string,
    index: string,
    pathPrefix: string,
    first: number,
    after: string | null,
    accept: (s: Secret) => boolean,
  ): Promise<Page<Secret>> {
    const max = lexMax(pathPrefix);
    let min = lexMin(pathPrefix, decodePathCursor(after));
    const found: Secret[] = [];
    let scanned = 0;
    let lastScanned: string | null = null;
    let exhausted = false;
    // first+1 entries tell whether a next page exists; later chunks only when filters skipped some.
    let chunk = first + 1;
    while (found.length <= first && scanned < MAX_SCANNED_PER_PAGE) {
      chunk = Math.min(chunk, MAX_SCANNED_PER_PAGE - scanned);
      const paths = await this.redis.zrangebylex(index, min, max, 'LIMIT', 0, chunk);
      const metas = await this.getMetaMany(project, paths);
      for (let i = 0; i < paths.length && found.length <= first; i++) {
        scanned++;
        lastScanned = paths[i];
        const s = metas[i];
        if (s && accept(s)) found.push(s);
      }
      if (found.length > first) break;
      if (paths.length < chunk) {
        exhausted = true;
        break;
      }
      min = `(${lastScanned}`;
      chunk = Math.max(first + 1, LIST_CHUNK);
    }
    if (found.length > first) {
      const page = found.slice(0, first);
      return { nodes: page, hasNextPage: true, endCursor: page.length ? encodePathCursor(page[page.length - 1].path) : after };
    }
    if (exhausted) {
      return { nodes: found, hasNextPage: false, endCursor: found.length ? encodePathCursor(found[found.length - 1].path) : null };
    }
    // Scan budget spent on a sparse filter: a short page; the cursor resumes after what was examined.
    return { nodes: found, hasNextPage: true, endCursor: lastScanned ? encodePathCursor(lastScanned) : after };
  }

  private async script<T>(path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw mapScriptError(err);
    }
  }
}

// ------------------------------------------------------------------ keys

function checkProject(project: string): void {
  // `{`/`}` would break the hash tag; the tokens module issues projects from this alphabet.
  if (!PROJECT_RE.test(project)) throw badInput('Invalid project name', { field: 'project' });
}

const secretTag = (project: string, path: string) => `{${project}:${path}}`;
const metaKey = (project: string, path: string) => `sec:${secretTag(project, path)}:meta`;
const secretKeys = (project: string, path: string) => SECRET_KEY_SUFFIXES.map((s) => `sec:${secretTag(project, path)}:${s}`);
const allIndexKey = (project: string) => `sec:idx:{${project}}:all`;
const boundIndexKey = (project: string, region: string, identity: string) => `sec:idx:{${project}}:key:${region}:${identity}`;
const usedIndexKey = (project: string, region: string, identity: string) => `sec:idx:{${project}}:used:${region}:${identity}`;

/** The ACCESSED script's roots for a confinement; null when nothing is confined. */
function rootsArgs(prefixes: string[] | null): string[] | null {
  if (!prefixes || prefixes.length === 0) return null;
  const roots = disjointPrefixes(prefixes);
  return roots.includes('') ? null : roots;
}

function pairs(flat: string[]): { path: string; ms: number }[] {
  const out: { path: string; ms: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ path: flat[i], ms: Number(flat[i + 1]) });
  return out;
}

/** Raw key names of one secret (without the client's keyPrefix), for tests that inspect Redis directly. */
export function secretKeyNames(project: string, path: string): Record<(typeof SECRET_KEY_SUFFIXES)[number], string> {
  const keys = secretKeys(project, path);
  return Object.fromEntries(SECRET_KEY_SUFFIXES.map((s, i) => [s, keys[i]])) as Record<(typeof SECRET_KEY_SUFFIXES)[number], string>;
}

export function indexKeyNames(project: string, key?: BoundKeyRef): { all: string; bound: string | null; used: string | null } {
  return {
    all: allIndexKey(project),
    bound: key ? boundIndexKey(project, key.region, key.identity) : null,
    used: key ? usedIndexKey(project, key.region, key.identity) : null,
  };
}

/**
 * Prefixes without trailing slashes, minus any that another one already covers: what remains
 * admits disjoint sets of paths. '' (admits everything) wins alone.
 */
export function disjointPrefixes(prefixes: string[]): string[] {
  const norm = [...new Set(prefixes.map((p) => p.replace(/\/+$/, '')))].sort((a, b) => a.length - b.length);
  if (norm.includes('')) return [''];
  const out: string[] = [];
  for (const p of norm) if (!out.some((q) => pathUnderPrefix(p, q))) out.push(p);
  return out;
}

// Paths are ASCII; U+00FF encodes to bytes above any path byte, so `prefix\xff` bounds the range.
function lexMax(prefix: string): string {
  return prefix === '' ? '+' : `(${prefix}\xff`;
}

function lexMin(prefix: string, after: string | null): string {
  if (after !== null && after >= prefix) return `(${after}`;
  return prefix === '' ? '-' : `[${prefix}`;
}


// ------------------------------------------------------------------ parsing

function parseMeta(project: string, path: string, flat: Flat | null | undefined): Secret | null {
  const h = toRecord(flat);
  if (!h || !h.region) return null;
  const current = Number(h.currentVersion ?? 0);
  return {
    project,
    path,
    region: h.region,
    kmsKeyIdentity: h.kmsKeyIdentity,
    description: h.description ?? null,
    tags: safeTags(h.tags),
    createdAt: h.createdAt,
    updatedAt: h.updatedAt ?? h.createdAt,
    currentVersion: current > 0 ? current : null,
    maxVersions: Number(h.maxVersions),
    uid: h.uid ?? '',
  };
}

function toRecord(flat: Flat | null | undefined): Record<string, string> | null {
  if (!flat) return null;
  if (!Array.isArray(flat)) return Object.keys(flat).length ? flat : null;
  if (flat.length === 0) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

function safeTags(json: string | undefined): SecretTag[] {
  try {
    const t = JSON.parse(json ?? '[]');
    return Array.isArray(t) ? t : [];
  } catch {
    return [];
  }
}

function parseVersion(version: number, raw: string | null | undefined): SecretVersion | null {
  if (!raw) return null;
  const r = JSON.parse(raw) as { s: SecretVersionState; c: string; k: number };
  return { version, state: r.s, createdAt: r.c, kmsKeyVersion: Number(r.k) };
}

function mapScriptError(err: unknown): ApiError {
  const m = /SECRETS_([A-Z_]+) ?(.*)$/.exec(err instanceof Error ? err.message : '');
  if (!m) throw err;
  const [, code, detail] = m;
  switch (code) {
    case 'ALREADY_EXISTS':
      return new ApiError('ALREADY_EXISTS', 'A secret already exists at this path', { existing: detail });
    case 'NOT_FOUND': {
      const d = /^(version|destroyed) (\d+)$/.exec(detail);
      if (!d) return notFound('No secret at this path');
      return d[1] === 'version'
        ? notFound(`This secret has no version ${d[2]}`)
        : notFound(`Version ${d[2]} of this secret is destroyed and cannot be undeleted`);
    }
    case 'VERSION_CONFLICT':
      return new ApiError('VERSION_CONFLICT', detail === 'reservation'
        ? `The write to this secret lost its version reservation; retry`
        : `The current version of this secret changed; retry`, { detail });
    default:
      return new ApiError('INTERNAL_SERVER_ERROR', 'Internal server error');
  }
}

// ------------------------------------------------------------------ redis plumbing

/**
 * Runs independent commands in one round trip: a pipeline on a single node; on a cluster (where a
 * pipeline must stay within one slot group) concurrent commands, which ioredis writes back to back
 * on each node's connection.
 */
async function batch(redis: RedisClient, calls: ((c: BatchTarget) => unknown)[]): Promise<unknown[]> {
  if (calls.length === 0) return [];
  if (redis instanceof Cluster) return Promise.all(calls.map((f) => f(redis as unknown as BatchTarget)));
  const pipe = redis.pipeline();
  for (const f of calls) f(pipe as unknown as BatchTarget);
  const res = (await pipe.exec()) ?? [];
  return res.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

function keyPrefixOf(redis: RedisClient): string {
  return ((redis.options as { keyPrefix?: string }).keyPrefix ?? '') as string;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** SCAN on every master (keyPrefix is not applied to MATCH, so patterns carry it). */
async function scanAll(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out;
}
