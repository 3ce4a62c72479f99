import * as ring from '../keyRing';
import type { KmsKeyRecord } from '../keyRing';
import type { KeyRef } from '../ports';
import { MAX_CAS_ATTEMPTS, type KeyRingCore } from './keyRingCore';

/**
 * The sweeper's two steps, run under its lock (domain/sweeper.ts). Each re-reads the record, which
 * decides: a due-list entry is only a hint, so a key that is not due any more is just re-listed
 * in line with its record. Losing every write race leaves the key due for the next sweep.
 */

/** Destroys a pending key's material once its deletion date has passed; the destroyed record, or null. */
export async function destroyIfDue(core: KeyRingCore, ref: KeyRef): Promise<KmsKeyRecord | null> {
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const rec = await core.store.get(ref);
    if (!rec || !ring.deletionDue(rec, core.now())) {
      if (rec) await core.syncSchedules(rec);
      else await core.store.scheduleDeletion(ref, null);
      return null;
    }
    const next = { ...ring.destroyMaterial(rec), rev: rec.rev + 1 };
    if (await core.store.commit(rec.rev, next, { destroyRing: true })) {
      core.forgetMaterial(rec);
      await core.syncSchedules(next);
      return next;
    }
  }
  return null;
}

/** Adds a version when the auto-rotation period has passed; the rotated record, or null. */
export async function rotateIfDue(core: KeyRingCore, ref: KeyRef): Promise<KmsKeyRecord | null> {
  const first = await core.store.get(ref);
  if (!first || !ring.rotationDue(first, core.now())) {
    if (first) await core.syncSchedules(first, true);
    else await core.store.scheduleRotation(ref, null);
    return null;
  }
  // The sweeper's generations share the project's bound with its callers' (no deadline: it waits its turn).
  const material = await core.generate(first.project, first.type, null);
  for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
    const rec = i === 0 ? first : await core.store.get(ref);
    if (!rec || !ring.rotationDue(rec, core.now())) return null;
    const next = { ...ring.rotate(rec, core.now()), rev: rec.rev + 1 };
    if (await core.store.commit(rec.rev, next, { addVersion: core.newVersion(next, material) })) {
      await core.syncSchedules(next);
      return next;
    }
  }
  return null;
}
