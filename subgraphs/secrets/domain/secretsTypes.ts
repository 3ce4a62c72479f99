import type { ApiError } from '../../../shared/errors';
import type { KmsCaller, KmsClient } from '../../../shared/kmsClient';
import type { RevealMeta, SecretMeta, StoredSecretVersion } from './secret';

/** The types of SecretsManager's API (secretsManager.ts re-exports them). */
export type KmsPort = Pick<KmsClient, 'encrypt' | 'decrypt' | 'decryptBatch' | 'getKey'>;

/** Who acts and for which request: forwarded to KMS so its audit events name the caller. */
export interface SecretsCall {
  project: string;
  caller: KmsCaller;
  requestId: string;
  /** The request's deadline (ms since epoch; null/absent: none announced): bounds the KMS calls. */
  deadline?: number | null;
  /** Throws once the deadline has passed; called first and right before each commit. */
  beforeCommit?: () => void;
}

/** What a call keeps of its deadline for its own work after a KMS call: the commit and its audit event. */
export const POST_KMS_RESERVE_MS = 100;

export interface CreateSecretArgs {
  path: unknown;
  kmsKeyIdentity: unknown;
  region?: unknown;
  description?: unknown;
  tags?: unknown;
  maxVersions?: unknown;
  value?: unknown;
}

export interface UpdateSecretArgs {
  path: unknown;
  description?: unknown;
  tags?: unknown;
  maxVersions?: unknown;
  kmsKeyIdentity?: unknown;
}

/** A reveal's store read, done (prepareReveal) and waiting for the request's checks. */
export interface PreparedReveal {
  path: string;
  requested: number | null;
  invalid: ApiError | null;
  read: { secret: RevealMeta | null; version: StoredSecretVersion | null };
}

/** A revealed value (the GraphQL layer maps it onto SecretValue). */
export interface RevealedValue {
  path: string;
  version: number;
  value: string;
  createdAt: string;
  kmsKeyVersion: number;
}
