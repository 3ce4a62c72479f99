import { badInput, notFound } from '../../../../shared/errors';
import { cipherSuite } from '../cipherSuites';
import { versionNotFound } from '../errors';
import * as ring from '../keyRing';
import type { KmsKeyRecord } from '../keyRing';
import type { KeyRingCore } from './keyRingCore';

/** What leaves the KMS as key material: public keys of SIGN_VERIFY keys, and exportable keys (Vault transit's path_export). */

function existingVersion(rec: KmsKeyRecord, version?: number | null): number {
  const v = version ?? rec.latestVersion;
  if (!Number.isInteger(v) || v < 1 || v > rec.latestVersion) throw versionNotFound(v);
  return v;
}

/** SPKI PEM of an asymmetric key's version; null for symmetric keys or destroyed material. */
export async function publicKeyPem(core: KeyRingCore, rec: KmsKeyRecord, version?: number | null): Promise<string | null> {
  const suite = cipherSuite(rec.type);
  if (suite.purpose !== 'SIGN_VERIFY') return null;
  const v = existingVersion(rec, version);
  const key = await core.handle(rec, v);
  return key ? suite.publicKeyPem(key) : null;
}

/** Raw material (symmetric) or PKCS8 DER (asymmetric) of an exportable key. */
export async function exportMaterial(core: KeyRingCore, rec: KmsKeyRecord, version?: number | null) {
  if (!rec.exportable) throw badInput('This KMS key is not exportable');
  ring.requireActive(rec);
  const v = existingVersion(rec, version);
  const key = await core.handle(rec, v);
  if (!key) throw notFound(`Key version ${v} no longer exists`);
  return { version: v, keyMaterial: key.material };
}
