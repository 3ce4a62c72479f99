import { RecordMac } from '../../../shared/recordMac';
import type { KmsKeyRecord } from '../domain/keyRing';
import type { KeyPurpose, KeyStatus, KeyType } from '../domain/keyTypes';
import type { KeyRef } from '../domain/ports';

/*
 * A KMS key's metadata hash as stored (kms:{<region>:<project>:<identity>}:meta, see keyStore.ts):
 * its fields, what its MAC covers, and the record read back from it.
 */
/**
 * The meta fields the record's `mac` covers, with region, project and identity (so a record cannot
 * be copied onto another key): everything but the description. Every write goes through encode,
 * which signs the whole record it writes.
 */
const SEALED_FIELDS = [
  'type', 'purpose', 'status', 'exportable', 'createdAt', 'latestVersion', 'minDecryptionVersion', 'minEncryptionVersion',
  'rotatedAt', 'materialDestroyed', 'rev', 'autoRotatePeriodDays', 'deletionDate',
] as const;
/** Every meta field a record is read from (batch reads name them: HMGET, not HGETALL). */
export const RECORD_FIELDS: readonly string[] = [...SEALED_FIELDS, 'description', 'mac'];
export const sealedParts = (ref: KeyRef, h: Record<string, string>) => [ref.region, ref.project, ref.identity, ...SEALED_FIELDS.flatMap((f) => [f, JSON.stringify(h[f] ?? null)])];
/** The same values raw, for VerifiedRecords (equal raw values ⇔ equal sealed parts). */
export const sealedValues = (ref: KeyRef, h: Record<string, string>): (string | undefined)[] => {
  const out: (string | undefined)[] = [ref.region, ref.project, ref.identity];
  for (const f of SEALED_FIELDS) out.push(h[f]);
  return out;
};
/** What a key's stored `mac` covers (a root-key rotation signs the same parts under the new key). */
export { sealedParts as keyMetadataSealedParts };

export function encode(rec: KmsKeyRecord, mac: RecordMac): { set: string[]; del: string[] } {
  const set: string[] = [
    'type', rec.type, 'purpose', rec.purpose, 'status', rec.status, 'exportable', rec.exportable ? '1' : '0',
    'createdAt', rec.createdAt, 'latestVersion', String(rec.latestVersion),
    'minDecryptionVersion', String(rec.minDecryptionVersion), 'minEncryptionVersion', String(rec.minEncryptionVersion),
    'rotatedAt', rec.rotatedAt, 'materialDestroyed', rec.materialDestroyed ? '1' : '0', 'rev', String(rec.rev),
  ];
  const del: string[] = [];
  const optional: [string, string | null][] = [
    ['description', rec.description],
    ['autoRotatePeriodDays', rec.autoRotatePeriodDays === null ? null : String(rec.autoRotatePeriodDays)],
    ['deletionDate', rec.deletionDate],
  ];
  for (const [f, v] of optional) {
    if (v === null) del.push(f);
    else set.push(f, v);
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i < set.length; i += 2) fields[set[i]] = set[i + 1];
  set.push('mac', mac.sign(sealedParts(rec, fields)));
  return { set, del };
}

export function decode(ref: KeyRef, h: Record<string, string>): KmsKeyRecord | null {
  if (!h || !h.type || !h.rev) return null;
  return {
    region: ref.region,
    project: ref.project,
    identity: ref.identity,
    type: h.type as KeyType,
    purpose: h.purpose as KeyPurpose,
    status: h.status as KeyStatus,
    description: h.description ?? null,
    exportable: h.exportable === '1',
    createdAt: h.createdAt,
    latestVersion: Number(h.latestVersion),
    minDecryptionVersion: Number(h.minDecryptionVersion),
    minEncryptionVersion: Number(h.minEncryptionVersion),
    autoRotatePeriodDays: h.autoRotatePeriodDays !== undefined ? Number(h.autoRotatePeriodDays) : null,
    deletionDate: h.deletionDate ?? null,
    rotatedAt: h.rotatedAt,
    materialDestroyed: h.materialDestroyed === '1',
    rev: Number(h.rev),
  };
}


/** The MAC of a region's key metadata, derived from its KMS root key (which only that KMS holds). */
export function keyMetadataMac(rootKey: Buffer): RecordMac {
  return new RecordMac(rootKey, 'kms-key-metadata-v1');
}
