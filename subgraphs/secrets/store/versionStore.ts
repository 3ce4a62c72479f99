import { randomBytes } from 'node:crypto';
import { ApiError } from '../../../shared/errors';
import { versionPosition } from '../domain/cursor';
import { secretNotFound, versionConflict } from '../domain/errors';
import type { EncryptedValue, Reservation } from '../domain/ports';
import type { Page, RevealMeta, SecretMeta, SecretVersionRecord, StoredSecretVersion } from '../domain/secret';
import { nextState, type VersionAction } from '../domain/secretVersion';
import { checkProject, secretKeys } from './keyLayout';
import type { RevealRow, SecretCommands } from './secretCommands';
import type { SecretQuotas } from './secretQuotas';
import { parseMeta, parseVersion } from './secretRecords';

const RESERVATION_TTL_MS = 60_000;

/**
 * A secret's versions: reserve → commit (or release) of a new value, reads for reveal and
 * listing, and the state changes (delete / undelete / destroy). Every step is one script on the
 * secret's own keys, so it is atomic also on Redis Cluster.
 */
export class VersionStore {
  constructor(
    private readonly scripts: SecretCommands,
    private readonly now: () => Date,
    private readonly reservationTtlMs = RESERVATION_TTL_MS,
    private readonly quotas?: SecretQuotas,
  ) {}

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
    try {
      const { version, uid } = await this.scripts.reserve({
        keys: secretKeys(project, path), nowMs: now.getTime(), ttlMs: this.reservationTtlMs, token, expectedVersion, nowIso: now.toISOString(),
      });
      return { project, path, version, uid, token };
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VERSION_CONFLICT' && expectedVersion !== null) {
        const current = Number(err.extensions.detail);
        throw versionConflict(expectedVersion, current === 0 ? null : current);
      }
      throw err;
    }
  }

  /**
   * Step 2: stores the ciphertext under the reservation. VERSION_CONFLICT if the reservation was lost
   * (expired). `valueBytes` (already reserved in the storedBytes quota) is recorded with the version.
   */
  async commitVersion(reservation: Reservation, ciphertext: string, kmsKeyVersion: number, valueBytes = 0): Promise<SecretVersionRecord> {
    const { project, path, version, token } = reservation;
    const { record, freed } = await this.scripts.commit({ keys: secretKeys(project, path), version, token, ciphertext, kmsKeyVersion, nowIso: this.now().toISOString(), valueBytes });
    await this.quotas?.freeBytes(project, freed);
    return parseVersion(version, record)!;
  }

  /** Gives a reservation back (a failed encrypt). Best effort: an unreleased one expires anyway. */
  releaseVersion(reservation: Reservation): Promise<boolean> {
    const { project, path, version, token } = reservation;
    return this.scripts.release({ keys: secretKeys(project, path), version, token, nowIso: this.now().toISOString() });
  }

  /**
   * The whole put: reserve → encrypt(version, uid) → commit, releasing the number if encrypt or
   * commit fails. `encrypt` is where the caller runs KMS with AAD(project, path, version, uid).
   */
  async putVersion(
    project: string,
    path: string,
    expectedVersion: number | null,
    encrypt: (r: Reservation) => Promise<EncryptedValue>,
    valueBytes = 0,
  ): Promise<SecretVersionRecord> {
    // The storedBytes quota first: a put over it costs no version number and no KMS call.
    await this.quotas?.reserveBytes(project, valueBytes);
    let reservation: Reservation;
    try {
      reservation = await this.reserveVersion(project, path, expectedVersion);
    } catch (err) {
      await this.quotas?.freeBytes(project, valueBytes);
      throw err;
    }
    try {
      const { ciphertext, kmsKeyVersion } = await encrypt(reservation);
      return await this.commitVersion(reservation, ciphertext, kmsKeyVersion, valueBytes);
    } catch (err) {
      await this.releaseVersion(reservation).catch(() => undefined);
      await this.quotas?.freeBytesUnlessUncertain(project, valueBytes, err);
      throw err;
    }
  }

  /**
   * Everything a reveal needs in one round trip: the secret, the resolved version number
   * (currentVersion when `version` is null) and that version's record with its ciphertext
   * (null ciphertext once destroyed). Secret null = absent; version null = no such version.
   */
  async readValue(project: string, path: string, version: number | null): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }> {
    checkProject(project);
    return valueRead(project, path, await this.scripts.readValue({ keys: secretKeys(project, path), version }), version);
  }

  /** readValue at currentVersion of many paths of a project, in order, in one round trip. */
  async readCurrentValues(project: string, paths: string[]): Promise<{ secret: RevealMeta | null; version: StoredSecretVersion | null }[]> {
    checkProject(project);
    const rows = await this.scripts.readCurrentValues(paths.map((p) => secretKeys(project, p)));
    return rows.map((r, i) => valueRead(project, paths[i], r, null));
  }


  /** A version for reveal (ciphertext included); null when the secret or version is absent. */
  async getVersion(project: string, path: string, version: number): Promise<StoredSecretVersion | null> {
    return (await this.readValue(project, path, version)).version;
  }

  /** Newest first. NOT_FOUND when the secret is absent. */
  async listVersions(project: string, path: string, first: number, after?: string | null): Promise<Page<SecretVersionRecord>> {
    checkProject(project);
    const { meta, entries } = await this.scripts.listVersions({ keys: secretKeys(project, path), before: versionPosition(after), count: first + 1 });
    if (!parseMeta(project, path, meta)) throw secretNotFound();
    const nodes: SecretVersionRecord[] = [];
    for (const [n, raw] of entries) {
      const rec = parseVersion(n, raw);
      if (rec) nodes.push(rec);
    }
    const hasNextPage = nodes.length > first;
    const page = nodes.slice(0, first);
    return { nodes: page, hasNextPage, endCursor: page.length ? String(page[page.length - 1].version) : null };
  }

  /** delete / undelete / destroy, all-or-nothing (rules in domain/secretVersion.ts). Returns the secret. */
  async setVersionStates(project: string, path: string, action: VersionAction, versions: number[]): Promise<SecretMeta> {
    checkProject(project);
    const { meta, freed } = await this.scripts.setStates({ keys: secretKeys(project, path), nowIso: this.now().toISOString(), next: (s) => nextState(action, s), versions });
    await this.quotas?.freeBytes(project, freed);
    return parseMeta(project, path, meta)!;
  }
}

/** A reveal row (SecretCommands.readValue) of `requested` (null: currentVersion) as the secret and the version with its ciphertext. */
function valueRead(project: string, path: string, row: RevealRow, requested: number | null): { secret: RevealMeta | null; version: StoredSecretVersion | null } {
  const [region, kmsKeyIdentity, createdAt, currentVersion, uid, record, ciphertext] = row;
  if (!region) return { secret: null, version: null };
  const current = Number(currentVersion ?? 0);
  const secret: RevealMeta = { project, path, region, kmsKeyIdentity: kmsKeyIdentity ?? '', createdAt: createdAt ?? '', currentVersion: current > 0 ? current : null, uid: uid ?? '' };
  const n = requested ?? secret.currentVersion;
  if (n === null || !record) return { secret, version: null };
  const rec = parseVersion(n, record)!;
  return { secret, version: { ...rec, ciphertext: rec.state === 'DESTROYED' ? null : ciphertext ?? null } };
}
