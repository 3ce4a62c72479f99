import { randomBytes } from 'node:crypto';
import { ApiError, badInput } from '../../../../shared/errors';
import { formatEnvelope, parseEnvelope } from '../ciphertext';
import { invalidCiphertext } from '../errors';
import * as ring from '../keyRing';
import type { KmsKeyRecord } from '../keyRing';
import type { KeyRingCore } from './keyRingCore';

/**
 * encrypt, decrypt, reEncrypt, generateDataKey and their batches (Vault transit's path_encrypt /
 * path_decrypt / path_rewrap / path_datakey), with ENCRYPT_DECRYPT keys only.
 */

export const MAX_BATCH_ITEMS = 1000;

/** One limit for both batches: the resolver checks it before the scope check, the domain again. */
export function checkBatchSize(n: number): void {
  if (n > MAX_BATCH_ITEMS) throw badInput(`A batch holds at most ${MAX_BATCH_ITEMS} items`, { field: 'items' });
}

/** One item's result; an encryptBatch item never has a plaintext (P = null). */
export interface BatchItemOutcome<P extends Buffer | null = Buffer | null> {
  index: number;
  keyVersion: number | null;
  ciphertext: string | null;
  plaintext: P;
  error: { code: string; message: string } | null;
}

/** Decodes one base64 field of a batch item (BAD_USER_INPUT fails that item only). */
export type FieldDecoder = (field: string, s: string | null | undefined) => Buffer | undefined;

function itemError(index: number, err: unknown): BatchItemOutcome<null> {
  if (!(err instanceof ApiError)) throw err;
  return { index, keyVersion: null, ciphertext: null, plaintext: null, error: { code: err.code, message: err.message } };
}

export async function encrypt(core: KeyRingCore, rec: KmsKeyRecord, plaintext: Buffer, aad: Buffer | undefined, explicitVersion?: number | null) {
  const suite = core.suiteFor(rec, 'ENCRYPT_DECRYPT', 'encrypt');
  ring.requireActive(rec);
  const version = ring.encryptionVersion(rec, explicitVersion);
  const key = await core.handle(rec, version);
  if (!key) throw ring.notActive(rec);
  const out = { keyVersion: version, ciphertext: formatEnvelope(version, suite.encrypt(key, plaintext, aad)) };
  core.usage.record(rec);
  return out;
}

export async function decrypt(core: KeyRingCore, rec: KmsKeyRecord, ciphertext: string, aad: Buffer | undefined) {
  const suite = core.suiteFor(rec, 'ENCRYPT_DECRYPT', 'decrypt');
  ring.requireActive(rec);
  const env = parseEnvelope(ciphertext);
  if (!env || !ring.decryptableVersion(rec, env.version)) throw invalidCiphertext();
  const key = await core.handle(rec, env.version);
  const plaintext = key ? suite.decrypt(key, env.body, aad) : null;
  if (!plaintext) throw invalidCiphertext();
  core.usage.record(rec);
  return { keyVersion: env.version, plaintext };
}

/** Decrypts and encrypts again under the default encryption version; the plaintext never leaves. */
export async function reEncrypt(core: KeyRingCore, rec: KmsKeyRecord, ciphertext: string, aad: Buffer | undefined) {
  const opened = await decrypt(core, rec, ciphertext, aad);
  try {
    return await encrypt(core, rec, opened.plaintext, aad);
  } finally {
    opened.plaintext.fill(0);
  }
}

export async function generateDataKey(core: KeyRingCore, rec: KmsKeyRecord, bits: number, aad: Buffer | undefined) {
  if (bits !== 128 && bits !== 256) throw badInput('bits must be 128 or 256', { field: 'bits' });
  core.suiteFor(rec, 'ENCRYPT_DECRYPT', 'generate data keys');
  ring.requireActive(rec);
  const plaintext = randomBytes(bits / 8);
  const out = await encrypt(core, rec, plaintext, aad);
  return { ...out, plaintext };
}

export async function encryptBatch(core: KeyRingCore, rec: KmsKeyRecord, items: { plaintext: string; associatedData?: string | null }[], decode: FieldDecoder) {
  checkBatchSize(items.length);
  const suite = core.suiteFor(rec, 'ENCRYPT_DECRYPT', 'encrypt');
  ring.requireActive(rec);
  const version = ring.encryptionVersion(rec);
  const key = await core.handle(rec, version);
  if (!key) throw ring.notActive(rec);
  const out = items.map((item, index): BatchItemOutcome<null> => {
    try {
      const pt = decode('plaintext', item.plaintext) as Buffer;
      const aad = decode('associatedData', item.associatedData);
      return { index, keyVersion: version, ciphertext: formatEnvelope(version, suite.encrypt(key, pt, aad)), plaintext: null, error: null };
    } catch (err) {
      return itemError(index, err);
    }
  });
  if (out.some((o) => o.error === null)) core.usage.record(rec);
  return out;
}

export async function decryptBatch(core: KeyRingCore, rec: KmsKeyRecord, items: { ciphertext: string; associatedData?: string | null }[], decode: FieldDecoder) {
  checkBatchSize(items.length);
  core.suiteFor(rec, 'ENCRYPT_DECRYPT', 'decrypt');
  ring.requireActive(rec);
  const out: BatchItemOutcome[] = [];
  for (let index = 0; index < items.length; index++) {
    try {
      const aad = decode('associatedData', items[index].associatedData);
      const r = await decrypt(core, rec, items[index].ciphertext, aad);
      out.push({ index, keyVersion: r.keyVersion, ciphertext: null, plaintext: r.plaintext, error: null });
    } catch (err) {
      out.push(itemError(index, err));
    }
  }
  return out;
}
