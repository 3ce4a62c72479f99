import { ApiError } from '../../../shared/errors';
import type { ServiceMetrics } from '../../../shared/metrics';
import type { KmsKeyRecord } from './keyRing';
import type { KeyRingService } from './keyRingService';
import { isKeyType } from './keyTypes';
import type { BatchItemOutcome } from './operations/encrypt';

/** The crypto operations counted, by method of KeyRingService and the label they get. */
const OPERATIONS = {
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  reEncrypt: 'reEncrypt',
  generateDataKey: 'generateDataKey',
  encryptBatch: 'encryptBatch',
  decryptBatch: 'decryptBatch',
  sign: 'sign',
  verify: 'verify',
  generateMac: 'generateMac',
  verifyMac: 'verifyMac',
} as const;
const BATCHES = new Set<string>(['encryptBatch', 'decryptBatch']);

type Method = (rec: KmsKeyRecord, ...rest: unknown[]) => Promise<unknown>;

/**
 * Counts each crypto operation of this region's KMS by key type and outcome (smk_kms_operations_total:
 * "OK", "INVALID" for a signature or MAC that does not verify, or the error's code), and the items
 * of the batches (smk_kms_batch_items_total). Wraps the instance's methods, so the operations stay
 * as they are; the labels are the key's type (a fixed set), the region and a code.
 */
export function instrumentKms(kms: KeyRingService, metrics: ServiceMetrics): void {
  if (!metrics.enabled) return;
  const region = kms.region;
  const target = kms as unknown as Record<string, Method>;
  for (const [method, label] of Object.entries(OPERATIONS)) {
    const original = target[method].bind(kms);
    target[method] = async (rec, ...rest) => {
      const keyType = isKeyType(rec.type) ? rec.type : 'OTHER';
      let result: unknown;
      try {
        result = await original(rec, ...rest);
      } catch (err) {
        metrics.kmsOperation(label, keyType, region, err instanceof ApiError ? err.code : 'INTERNAL_SERVER_ERROR');
        throw err;
      }
      const valid = (result as { valid?: unknown }).valid;
      metrics.kmsOperation(label, keyType, region, valid === false ? 'INVALID' : 'OK');
      if (BATCHES.has(method)) countItems(metrics, label, keyType, region, result as BatchItemOutcome[]);
      return result;
    };
  }
}

function countItems(metrics: ServiceMetrics, operation: string, keyType: string, region: string, items: BatchItemOutcome[]): void {
  let ok = 0;
  let failed: Map<string, number> | null = null;
  for (const item of items) {
    if (item.error === null) ok++;
    else (failed ??= new Map()).set(item.error.code, (failed.get(item.error.code) ?? 0) + 1);
  }
  metrics.kmsBatchItems(operation, keyType, region, 'OK', ok);
  for (const [code, n] of failed ?? []) metrics.kmsBatchItems(operation, keyType, region, code, n);
}
