import { badInput } from '../../../../shared/errors';
import { formatEnvelope, parseEnvelope } from '../ciphertext';
import * as ring from '../keyRing';
import type { KmsKeyRecord } from '../keyRing';
import type { KeyRingCore } from './keyRingCore';

/**
 * sign / verify with SIGN_VERIFY keys and generateMac / verifyMac with GENERATE_VERIFY_MAC keys
 * (Vault transit's path_sign_verify / path_hmac). A tag of an unusable version verifies as false.
 */

function parseTag(s: string, field: string) {
  const env = parseEnvelope(s);
  if (!env) throw badInput(`${field} must be kms:v<N>:<base64>`, { field });
  return env;
}

export async function sign(core: KeyRingCore, rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
  const suite = core.suiteFor(rec, 'SIGN_VERIFY', 'sign');
  ring.requireActive(rec);
  const version = ring.encryptionVersion(rec, explicitVersion);
  const key = await core.handle(rec, version);
  if (!key) throw ring.notActive(rec);
  const out = { keyVersion: version, signature: formatEnvelope(version, suite.sign(key, message)) };
  core.usage.record(rec);
  return out;
}

export async function verify(core: KeyRingCore, rec: KmsKeyRecord, message: Buffer, signature: string) {
  const suite = core.suiteFor(rec, 'SIGN_VERIFY', 'verify');
  ring.requireActive(rec);
  const env = parseTag(signature, 'signature');
  if (!ring.decryptableVersion(rec, env.version)) return { valid: false, keyVersion: env.version };
  const key = await core.handle(rec, env.version);
  const out = { valid: key !== null && suite.verify(key, message, env.body), keyVersion: env.version };
  core.usage.record(rec);
  return out;
}

export async function generateMac(core: KeyRingCore, rec: KmsKeyRecord, message: Buffer, explicitVersion?: number | null) {
  const suite = core.suiteFor(rec, 'GENERATE_VERIFY_MAC', 'generate MACs');
  ring.requireActive(rec);
  const version = ring.encryptionVersion(rec, explicitVersion);
  const key = await core.handle(rec, version);
  if (!key) throw ring.notActive(rec);
  const out = { keyVersion: version, mac: formatEnvelope(version, suite.mac(key, message)) };
  core.usage.record(rec);
  return out;
}

export async function verifyMac(core: KeyRingCore, rec: KmsKeyRecord, message: Buffer, mac: string) {
  const suite = core.suiteFor(rec, 'GENERATE_VERIFY_MAC', 'verify MACs');
  ring.requireActive(rec);
  const env = parseTag(mac, 'mac');
  if (!ring.decryptableVersion(rec, env.version)) return { valid: false, keyVersion: env.version };
  const key = await core.handle(rec, env.version);
  const out = { valid: key !== null && suite.verifyMac(key, message, env.body), keyVersion: env.version };
  core.usage.record(rec);
  return out;
}
