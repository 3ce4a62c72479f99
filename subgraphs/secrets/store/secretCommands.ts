import { internalError } from '../../../shared/errors';
import { Cluster } from 'ioredis';
import type { Command, RedisClient } from '../../../shared/redis';
import type { SecretTag, VersionState } from '../domain/secret';
import { VERSION_STATES } from '../domain/secret';
import { currentVersionChanged, reservationLost, secretExists, secretNotFound, versionNotFound, versionNotUndeletable } from '../domain/errors';
import type { SecretKeys } from './keyLayout';
import type { Flat } from './secretRecords';
import * as lua from './secretScripts';

/**
 * What a reveal read answers per secret, flat: the meta fields of lua.REVEAL_FIELDS, then the
 * version's record (JSON) and ciphertext; null where absent (every field null: no such secret).
 */
export type RevealRow = (string | null)[];
/** Entries per reveal row. */
const REVEAL_ROW = lua.REVEAL_FIELDS.length + 2;

/**
 * The Lua scripts of secretScripts.ts as typed calls: named parameters in, parsed replies out,
 * `SECRETS_<CODE>` error replies turned into the API's errors. Nothing else calls a script.
 */

/** Script names as registered on the client (defineCommand), also usable in a pipelined batch. */
const PER_SECRET = {
  secretsCreate: lua.CREATE,
  secretsReserve: lua.RESERVE,
  secretsCommit: lua.COMMIT,
  secretsRelease: lua.RELEASE,
  secretsUpdate: lua.UPDATE,
  secretsSetStates: lua.SET_STATES,
  secretsDelete: lua.DELETE,
  secretsReadValue: lua.READ_VALUE,
  secretsListVersions: lua.LIST_VERSIONS,
} as const;
const PER_INDEX = { secretsRecordAccess: lua.RECORD_ACCESS, secretsAccessed: lua.ACCESSED, secretsReserveBytes: lua.RESERVE_BYTES } as const;
const PER_PROJECT = { secretsIndexNew: lua.INDEX_NEW } as const;

/**
 * READ_VALUE of many secrets at their current version (KEYS: meta, versions, values of each): their
 * reveal rows one after the other in one flat reply. Single node only: the secrets' keys are in
 * different slots.
 */
const READ_CURRENT_MANY = `
local out, n = {}, 0
for i = 1, #KEYS, 3 do
  local m = redis.call('HMGET', KEYS[i], ${lua.REVEAL_FIELDS.map((f) => `'${f}'`).join(', ')})
  for j = 1, ${lua.REVEAL_FIELDS.length} do out[n + j] = m[j] end
  local v = m[4]
  if m[1] and v then
    out[n + 6] = redis.call('HGET', KEYS[i + 1], v)
    out[n + 7] = redis.call('HGET', KEYS[i + 2], v)
  else out[n + 6] = false; out[n + 7] = false end
  n = n + ${REVEAL_ROW}
end
return out`;
/** Secrets per script call: bounds how long one call holds Redis. */
const READS_PER_SCRIPT = 100;

type Raw = Record<keyof typeof PER_SECRET | keyof typeof PER_INDEX | keyof typeof PER_PROJECT, (...args: string[]) => Promise<unknown>>;

export class SecretCommands {
  private readonly raw: Raw;

  constructor(private readonly redis: RedisClient) {
    redis.defineCommand('secretsReadCurrentMany', { lua: READ_CURRENT_MANY });
    for (const [name, script] of Object.entries(PER_SECRET)) redis.defineCommand(name, { numberOfKeys: 6, lua: script });
    for (const [name, script] of Object.entries(PER_INDEX)) redis.defineCommand(name, { numberOfKeys: 1, lua: script });
    for (const [name, script] of Object.entries(PER_PROJECT)) redis.defineCommand(name, { numberOfKeys: 2, lua: script });
    this.raw = redis as unknown as Raw;
  }

  /** A new secret with an optional first value. ALREADY_EXISTS carries `existing`: "<region> <identity>" of the secret there. */
  async create(p: {
    keys: SecretKeys; region: string; kmsKeyIdentity: string; description: string | null; tags: SecretTag[]; nowIso: string;
    maxVersions: number; uid: string; firstVersion: { ciphertext: string; kmsKeyVersion: number; valueBytes?: number } | null;
  }): Promise<Flat> {
    const v = p.firstVersion;
    return (await this.call('secretsCreate', ...p.keys, p.region, p.kmsKeyIdentity, p.description === null ? '0' : '1', p.description ?? '',
      JSON.stringify(p.tags), p.nowIso, String(p.maxVersions), p.uid, v ? '1' : '0', v?.ciphertext ?? '', String(v?.kmsKeyVersion ?? 0),
      String(v?.valueBytes ?? 0))) as Flat;
  }

  /**
   * Hands out the next version number (CAS on `expectedVersion`, null = no check) and sweeps expired
   * reservations. VERSION_CONFLICT carries `detail`: the current version.
   */
  async reserve(p: { keys: SecretKeys; nowMs: number; ttlMs: number; token: string; expectedVersion: number | null; nowIso: string }): Promise<{ version: number; uid: string }> {
    const [version, uid] = (await this.call('secretsReserve', ...p.keys, String(p.nowMs), String(p.ttlMs), p.token,
      p.expectedVersion === null ? '' : String(p.expectedVersion), p.nowIso)) as [number, string, number];
    return { version: Number(version), uid };
  }

  /** Stores a value under its reservation; returns the version's raw record and the value bytes maxVersions freed. */
  async commit(p: { keys: SecretKeys; version: number; token: string; ciphertext: string; kmsKeyVersion: number; nowIso: string; valueBytes: number }): Promise<{ record: string; freed: number }> {
    const [record, freed] = (await this.call('secretsCommit', ...p.keys, String(p.version), p.token, p.ciphertext, String(p.kmsKeyVersion), p.nowIso,
      String(p.valueBytes))) as [string, string];
    return { record, freed: Number(freed) };
  }

  /** Gives a reservation back; false if it was not held (any more). */
  async release(p: { keys: SecretKeys; version: number; token: string; nowIso: string }): Promise<boolean> {
    return (await this.call('secretsRelease', ...p.keys, String(p.version), p.token, p.nowIso)) === 1;
  }

  /** Metadata change; undefined = unchanged, a null description = cleared. Returns the metadata hash and the value bytes freed. */
  async update(p: { keys: SecretKeys; nowIso: string; description?: string | null; tags?: SecretTag[]; maxVersions?: number }): Promise<{ meta: Flat; freed: number }> {
    const desc = p.description === undefined ? ['0', ''] : p.description === null ? ['2', ''] : ['1', p.description];
    const [freed, meta] = (await this.call('secretsUpdate', ...p.keys, p.nowIso, desc[0], desc[1], p.tags === undefined ? '0' : '1', JSON.stringify(p.tags ?? []),
      p.maxVersions === undefined ? '0' : '1', String(p.maxVersions ?? 0))) as [string, Flat];
    return { meta, freed: Number(freed) };
  }

  /** All-or-nothing state change; `next` gives each state's target (null = not allowed). Returns the metadata hash and the value bytes freed. */
  async setStates(p: { keys: SecretKeys; nowIso: string; next: (from: VersionState) => VersionState | null; versions: number[] }): Promise<{ meta: Flat; freed: number }> {
    const table = VERSION_STATES.map((s) => p.next(s) ?? '');
    const [freed, meta] = (await this.call('secretsSetStates', ...p.keys, p.nowIso, ...table, ...p.versions.map(String))) as [string, Flat];
    return { meta, freed: Number(freed) };
  }

  /** Removes every key of the secret; returns the key it was bound to and the value bytes it held, or null if absent. */
  async delete(p: { keys: SecretKeys }): Promise<{ region: string; identity: string; freed: number } | null> {
    const e = (await this.call('secretsDelete', ...p.keys)) as [string, string, string] | null;
    return e ? { region: e[0], identity: e[1], freed: Number(e[2]) } : null;
  }

  /** Indexes a new secret's path unless the project is at `maxSecrets` (0 = none); false at the quota. */
  async indexNew(p: { allIndex: string; boundIndex: string; path: string; maxSecrets: number }): Promise<boolean> {
    return (await this.call('secretsIndexNew', p.allIndex, p.boundIndex, p.path, String(p.maxSecrets))) === 1;
  }

  /** Adds `bytes` to the project's stored bytes unless that passes `max` (0 = none); false at the quota. */
  async reserveBytes(p: { counter: string; bytes: number; max: number }): Promise<boolean> {
    return (await this.call('secretsReserveBytes', p.counter, String(p.bytes), String(p.max))) === 1;
  }

  /** Everything a reveal needs in one round trip (`version` null = currentVersion), as its reveal row. */
  async readValue(p: { keys: SecretKeys; version: number | null }): Promise<RevealRow> {
    return (await this.call('secretsReadValue', ...p.keys, p.version === null ? '' : String(p.version))) as RevealRow;
  }

  /**
   * readValue at currentVersion of many secrets in order. On a single node one script call per
   * READS_PER_SCRIPT secrets (ioredis' per-command cost dominated a batch reveal's 100 reads); on
   * a cluster, where a script may touch one slot only, one readValue per secret (auto-pipelined).
   */
  async readCurrentValues(keysList: SecretKeys[]): Promise<RevealRow[]> {
    if (this.redis instanceof Cluster || keysList.length < 2) return Promise.all(keysList.map((keys) => this.readValue({ keys, version: null })));
    const many = (this.redis as unknown as Record<string, (n: number, ...k: string[]) => Promise<unknown>>).secretsReadCurrentMany.bind(this.redis);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < keysList.length; i += READS_PER_SCRIPT) {
      const keys = keysList.slice(i, i + READS_PER_SCRIPT).flatMap((k) => [k[0], k[1], k[2]]);
      calls.push(many(keys.length, ...keys));
    }
    const flat = (await Promise.all(calls)).flat() as (string | null)[];
    // A reply cut short (a Lua array ends at its first nil) would shift every row after the cut.
    if (flat.length !== keysList.length * REVEAL_ROW) throw internalError();
    const rows: RevealRow[] = [];
    for (let i = 0; i < flat.length; i += REVEAL_ROW) rows.push(flat.slice(i, i + REVEAL_ROW));
    return rows;
  }

  /** Up to `count` versions below `before` (null = from the newest), newest first, as [number, raw record]. */
  async listVersions(p: { keys: SecretKeys; before: number | null; count: number }): Promise<{ meta: Flat; entries: [number, string][] }> {
    const [meta, ...flat] = (await this.call('secretsListVersions', ...p.keys, p.before === null ? '+inf' : String(p.before), String(p.count))) as [
      string[], ...string[],
    ];
    const entries: [number, string][] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([Number(flat[i]), flat[i + 1]]);
    return { meta, entries };
  }

  /** Writes a reveal time unless the stored one is less than `windowMs` older; true if it wrote. */
  async recordAccess(p: { usedIndex: string; path: string; atMs: number; windowMs: number }): Promise<boolean> {
    return (await this.call('secretsRecordAccess', p.usedIndex, p.path, String(p.atMs), String(p.windowMs))) === 1;
  }

  /**
   * The ACCESSED script as one command of a pipelined batch: paths of `usedIndex` revealed since
   * `sinceMs` within `roots` (none = every path); with a `limit`, the next ones after `after` as a
   * flat [path, ms, …] list, else (limit 0) their number.
   */
  accessedCommand(p: { usedIndex: string; sinceMs: number; after: string | null; limit: number; roots: string[] }): Command {
    return ['secretsAccessed', p.usedIndex, String(p.sinceMs), p.after ?? '', String(p.limit), ...p.roots];
  }

  private async call(name: keyof Raw, ...args: string[]): Promise<unknown> {
    try {
      return await this.raw[name](...args);
    } catch (err) {
      throw scriptError(err);
    }
  }
}

/** A `SECRETS_<CODE> <detail>` reply as the API's error; anything else is rethrown as it is. */
function scriptError(err: unknown): unknown {
  const m = /SECRETS_([A-Z_]+) ?(.*)$/.exec(err instanceof Error ? err.message : '');
  if (!m) return err;
  const [, code, detail] = m;
  switch (code) {
    case 'ALREADY_EXISTS':
      return secretExists({ existing: detail });
    case 'NOT_FOUND': {
      const d = /^(version|destroyed) (\d+)$/.exec(detail);
      if (!d) return secretNotFound();
      return d[1] === 'version' ? versionNotFound(d[2]) : versionNotUndeletable(d[2]);
    }
    case 'VERSION_CONFLICT':
      return detail === 'reservation' ? reservationLost(detail) : currentVersionChanged(detail);
    default:
      return internalError();
  }
}

