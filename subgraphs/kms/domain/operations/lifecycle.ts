import { badInput, quotaExceeded } from '../../../../shared/errors';
import { validateKeyIdentity } from '../../../../shared/identifiers';
import { cipherSuite } from '../cipherSuites';
import { keyAlreadyExists, keyInUse } from '../errors';
import * as ring from '../keyRing';
import type { KeyUpdate, KmsKeyRecord } from '../keyRing';
import type { KeyType } from '../keyTypes';
import { noGuard, type CommitGuard, type KeyRingCore } from './keyRingCore';

/** Key lifecycle (Vault transit's path_keys / path_config): create, rotate, update, state changes. */

const DAY_MS = 86_400_000;
export const MAX_UNUSED_SINCE_DAYS = 3650;

export interface CreateKeyInput {
  identity: string;
  type: KeyType;
  description?: string | null;
  exportable?: boolean | null;
  autoRotatePeriodDays?: number | null;
}

/**
 * `beforeCommit` runs after the (possibly slow) key generation, right before the write: it throws
 * when the caller's deadline has passed, so a timed-out create leaves no key behind. `deadline`
 * bounds the wait for a key-generation slot of the project.
 */
export async function createKey(
  core: KeyRingCore,
  project: string,
  input: CreateKeyInput,
  beforeCommit: CommitGuard = noGuard,
  deadline: number | null = null,
): Promise<KmsKeyRecord> {
  validateKeyIdentity(input.identity);
  ring.validateDescription(input.description);
  const suite = cipherSuite(input.type);
  const autoRotatePeriodDays = ring.normaliseAutoRotate(input.autoRotatePeriodDays);
  const now = core.now().toISOString();
  const rec: KmsKeyRecord = {
    region: core.region,
    project,
    identity: input.identity,
    type: suite.type,
    purpose: suite.purpose,
    status: 'ACTIVE',
    description: input.description ?? null,
    exportable: input.exportable === true,
    createdAt: now,
    latestVersion: 1,
    minDecryptionVersion: 1,
    minEncryptionVersion: 0,
    autoRotatePeriodDays,
    deletionDate: null,
    rotatedAt: now,
    materialDestroyed: false,
    rev: 1,
  };
  // A taken identity is refused before the (costly) key generation; the atomic create below still
  // decides a race between two creates of the same identity.
  if (await core.store.get(core.ref(project, input.identity))) throw keyAlreadyExists(input.identity, core.region);
  const material = await core.generate(project, suite.type, deadline);
  const wrapped = core.wrapper.wrap({ ...rec, version: 1 }, material);
  beforeCommit();
  if (!(await core.store.create(rec, { createdAt: now, wrapped }))) throw keyAlreadyExists(input.identity, core.region);
  await core.syncSchedules(rec);
  return rec;
}

/** Like createKey, `beforeCommit` guards the write that follows the key generation. */
export async function rotateKey(
  core: KeyRingCore,
  project: string,
  identity: string,
  beforeCommit: CommitGuard = noGuard,
  deadline: number | null = null,
): Promise<KmsKeyRecord> {
  const current = await core.mustGet(project, identity);
  ring.requireActive(current);
  requireVersionQuota(core, current);
  const material = await core.generate(project, current.type, deadline);
  // Checked again on the record the write is conditional on, so concurrent rotations cannot pass it.
  return core.change(project, identity, (rec) => ring.rotate(requireVersionQuota(core, rec), core.now()), material, beforeCommit);
}

/**
 * QUOTA_KEY_VERSIONS bounds what rotateKmsKey adds; a key's own rotation schedule is not refused
 * (the sweeper adds at most one version per period, and the owner chose the period).
 */
function requireVersionQuota(core: KeyRingCore, rec: KmsKeyRecord): KmsKeyRecord {
  if (core.maxKeyVersions > 0 && rec.latestVersion >= core.maxKeyVersions) throw quotaExceeded('keyVersions', core.maxKeyVersions);
  return rec;
}

/** Every state change below takes a `beforeCommit` guard too: past the caller's deadline it writes nothing. */
export function updateKey(core: KeyRingCore, project: string, identity: string, u: KeyUpdate, beforeCommit: CommitGuard = noGuard): Promise<KmsKeyRecord> {
  return core.change(project, identity, (rec) => ring.applyUpdate(rec, u), undefined, beforeCommit);
}

/** With `ifUnusedSinceDays`, refused with KEY_IN_USE when the key was used within that many days. */
export async function disableKey(
  core: KeyRingCore,
  project: string,
  identity: string,
  ifUnusedSinceDays?: number | null,
  beforeCommit: CommitGuard = noGuard,
): Promise<KmsKeyRecord> {
  await refuseIfUsed(core, project, identity, ifUnusedSinceDays);
  return core.change(project, identity, ring.disable, undefined, beforeCommit);
}

export function enableKey(core: KeyRingCore, project: string, identity: string, beforeCommit: CommitGuard = noGuard): Promise<KmsKeyRecord> {
  return core.change(project, identity, ring.enable, undefined, beforeCommit);
}

export async function scheduleKeyDeletion(
  core: KeyRingCore,
  project: string,
  identity: string,
  pendingWindowDays: number,
  ifUnusedSinceDays?: number | null,
  beforeCommit: CommitGuard = noGuard,
): Promise<KmsKeyRecord> {
  ring.validatePendingWindow(pendingWindowDays);
  await refuseIfUsed(core, project, identity, ifUnusedSinceDays);
  return core.change(project, identity, (rec) => ring.scheduleDeletion(rec, pendingWindowDays, core.now()), undefined, beforeCommit);
}

export function cancelKeyDeletion(core: KeyRingCore, project: string, identity: string, beforeCommit: CommitGuard = noGuard): Promise<KmsKeyRecord> {
  return core.change(project, identity, ring.cancelDeletion, undefined, beforeCommit);
}

/**
 * The guard of "disable / delete only if unused": a use within the last `days` days (as
 * lastUsedAt reports it, so at most a window stale, and never missing a use on this replica) is
 * KEY_IN_USE. No argument, no check.
 */
async function refuseIfUsed(core: KeyRingCore, project: string, identity: string, days: number | null | undefined): Promise<void> {
  if (days === undefined || days === null) return;
  if (!Number.isInteger(days) || days < 1 || days > MAX_UNUSED_SINCE_DAYS) {
    throw badInput(`ifUnusedSinceDays must be an integer between 1 and ${MAX_UNUSED_SINCE_DAYS}`, { field: 'ifUnusedSinceDays' });
  }
  const rec = await core.mustGet(project, identity);
  const [last] = await core.usage.lastUsedMany([rec]);
  if (last && last.getTime() >= core.now().getTime() - days * DAY_MS) throw keyInUse(days, last);
}
