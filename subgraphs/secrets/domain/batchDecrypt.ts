import { ApiError, internalError } from '../../../shared/errors';
import type { DecryptBatchItem, KmsClient } from '../../../shared/kmsClient';
import { secretAssociatedDataB64 } from './associatedData';
import { secretNotFound, versionDestroyed } from './errors';
import type { RevealMeta, StoredSecretVersion } from './secret';
import type { RevealOutcome } from './batchReveal';
import type { SecretRepository } from './ports';
import { validatePath } from './secretInput';
import type { RevealedValue } from './secretsTypes';
import { assertReadable, versionToRead } from './secretVersion';

/**
 * The reveal rules shared by getSecretValue and batchGetSecretValue, and the batch's KMS step:
 * every readable item of a batch is decrypted by ONE decryptBatch call per (region, key) — one
 * KMS hop and one kms.decrypt event per key, not one per path. Plain TypeScript: the KMS is a port.
 */
export type BatchKmsPort = Pick<KmsClient, 'decryptBatch'>;

/** A version that passed the rules and is ready for its KMS: the ciphertext and its associated data. */
export interface ReadableValue {
  path: string;
  version: number;
  secret: RevealMeta;
  ciphertext: string;
  associatedDataB64: string;
  createdAt: string;
}

/**
 * The version a reveal of `requested` (null: current) opens, from what the store read: NOT_FOUND
 * for no secret, no value yet, an absent, DELETED or DESTROYED version.
 */
export function readableValue(
  project: string,
  path: string,
  read: { secret: RevealMeta | null; version: StoredSecretVersion | null },
  requested: number | null,
): ReadableValue {
  const { secret, version } = read;
  if (!secret) throw secretNotFound();
  const n = versionToRead(secret, requested);
  assertReadable(n, version);
  if (!version.ciphertext) throw versionDestroyed(n);
  return { path, version: n, secret, ciphertext: version.ciphertext, associatedDataB64: secretAssociatedDataB64(project, path, n, secret.uid), createdAt: version.createdAt };
}

/** What one readable item's decrypt came to: the plaintext and key version, or the error of its own item or of its key's call. */
export type DecryptOutcome = { text: string; keyVersion: number } | { error: ApiError };

/**
 * Decrypts every item, grouped by the secret's region and key: one decryptBatch per group, the
 * groups in parallel. A group's whole-call error (key not ACTIVE, region unavailable…) is every
 * one of its items' error; an item's own error (INVALID_CIPHERTEXT) is its alone. Order kept.
 */
export async function decryptGrouped(
  kms: BatchKmsPort,
  call: { caller: { tokenId: string; project: string }; requestId: string },
  items: ReadableValue[],
  deadline: number | undefined,
): Promise<DecryptOutcome[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = `${item.secret.region}\n${item.secret.kmsKeyIdentity}`;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  const out: DecryptOutcome[] = new Array(items.length);
  await Promise.all([...groups.values()].map(async (indexes) => {
    const { region, kmsKeyIdentity } = items[indexes[0]].secret;
    let results: DecryptBatchItem[];
    try {
      results = await kms.decryptBatch({
        region, keyIdentity: kmsKeyIdentity, caller: call.caller, requestId: call.requestId, deadline,
        items: indexes.map((i) => ({ ciphertext: items[i].ciphertext, associatedDataB64: items[i].associatedDataB64 })),
      });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      for (const i of indexes) out[i] = { error: err };
      return;
    }
    indexes.forEach((i, j) => {
      const r = results[j];
      out[i] = r.error || r.text === null || r.keyVersion === null
        ? { error: r.error ? new ApiError(r.error.code, r.error.message) : internalError() }
        : { text: r.text, keyVersion: r.keyVersion };
    });
  }));
  return out;
}

/** The value as revealed: `dec.text` is the plaintext as UTF-8 text. */
export function revealedValue(r: ReadableValue, dec: { text: string; keyVersion: number }): RevealedValue {
  return { path: r.path, version: r.version, value: dec.text, createdAt: r.createdAt, kmsKeyVersion: dec.keyVersion };
}

/** A batch path as read: the secret (null where none), and either its ready value or its error. */
export interface BatchRead {
  path: string;
  meta: RevealMeta | null;
  ready?: ReadableValue;
  error?: ApiError;
}

/**
 * The read half of a batch reveal: each distinct path validated and checked (`check`:
 * FORBIDDEN), the rest read in one round trip and put through the reveal rules. It decides
 * nothing and returns nothing to a caller by itself, so it can run beside the request's checks.
 * Store failures fail the batch.
 */
export async function readMany(
  store: Pick<SecretRepository, 'readValue' | 'readCurrentValues'>,
  project: string,
  distinct: unknown[],
  check: (path: string) => ApiError | null,
): Promise<BatchRead[]> {
  const reads: BatchRead[] = distinct.map((p) => {
    const path = typeof p === 'string' ? p : '';
    try {
      validatePath(p);
      const denied = check(path);
      return denied ? { path, meta: null, error: denied } : { path, meta: null };
    } catch (err) {
      if (err instanceof ApiError) return { path, meta: null, error: err };
      throw err;
    }
  });
  const toRead = reads.filter((r) => !r.error);
  const paths = toRead.map((r) => r.path);
  const values = store.readCurrentValues
    ? await store.readCurrentValues(project, paths)
    : await Promise.all(paths.map((p) => store.readValue(project, p, null)));
  toRead.forEach((r, i) => {
    r.meta = values[i].secret;
    try {
      r.ready = readableValue(project, r.path, values[i], null);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      r.error = err;
    }
  });
  return reads;
}

/**
 * The decrypt half: every readable item decrypted by decryptGrouped, in order. `meta` is the
 * secret as read (null where none), for the item's audit event.
 */
export async function revealReads(
  kms: BatchKmsPort,
  call: { caller: { tokenId: string; project: string }; requestId: string },
  reads: BatchRead[],
  deadline: number | undefined,
): Promise<{ outcome: RevealOutcome; meta: RevealMeta | null }[]> {
  const ready = reads.filter((r) => r.ready).map((r) => r.ready!);
  const decrypted = await decryptGrouped(kms, call, ready, deadline);
  let next = 0;
  return reads.map((r) => {
    if (!r.ready) return { outcome: { path: r.path, value: null, error: r.error! }, meta: r.meta };
    const d = decrypted[next++];
    const outcome: RevealOutcome = 'error' in d ? { path: r.path, value: null, error: d.error } : { path: r.path, value: revealedValue(r.ready, d), error: null };
    return { outcome, meta: r.meta };
  });
}
