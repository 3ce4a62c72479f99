import { ApiError, notFound } from '../../../shared/errors';
import type { KmsClient } from '../../../shared/kmsClient';
import type { RegionRegistry } from '../../../shared/regions';

/** Only symmetric encryption keys can protect secret values (seed: "Supported key types"). */
export const SUPPORTED_KEY_TYPES = ['AES128_GCM96', 'AES256_GCM96', 'CHACHA20_POLY1305'] as const;

/**
 * The seed's key binding rules, checked against the KMS of the secret's region: the key must
 * exist there (NOT_FOUND, or KEY_REGION_MISMATCH when it exists only elsewhere), be symmetric
 * (UNSUPPORTED_KEY_TYPE) and ACTIVE (KMS_KEY_NOT_ACTIVE).
 */
export async function assertKeyBindable(
  kms: Pick<KmsClient, 'getKey'>,
  regions: RegionRegistry,
  call: { caller: { tokenId: string; project: string }; requestId: string },
  region: string,
  identity: string,
  deadline: number | undefined,
): Promise<void> {
  const key = await kms.getKey({ region, identity, caller: call.caller, requestId: call.requestId, deadline });
  if (!key) {
    // Tell "wrong region" from "no such key": look in the other regions that have KMS (in parallel;
    // an unreachable region just doesn't count).
    const others = regions.withKms().filter((r) => r.name !== region);
    const found = await Promise.all(
      others.map((r) => kms.getKey({ region: r.name, identity, caller: call.caller, requestId: call.requestId, deadline }).catch(() => null)),
    );
    if (found.some(Boolean)) {
      throw new ApiError('KEY_REGION_MISMATCH', `KMS key ${identity} is not in region ${region}; a secret's key must be in the secret's region`, { region });
    }
    throw notFound(`No KMS key ${identity} in region ${region}`);
  }
  if (!(SUPPORTED_KEY_TYPES as readonly string[]).includes(key.type)) {
    throw new ApiError('UNSUPPORTED_KEY_TYPE', `Secrets can be bound only to symmetric encryption keys (${SUPPORTED_KEY_TYPES.join(', ')})`);
  }
  if (key.status !== 'ACTIVE') {
    throw new ApiError('KMS_KEY_NOT_ACTIVE', `KMS key ${identity} is ${key.status}`, { kmsKeyStatus: key.status });
  }
}
