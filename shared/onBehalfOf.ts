import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Kind, parse } from 'graphql';
import { isProjectName } from './identifiers';
import { REQUEST_ID_RE } from './http';

/**
 * The on-behalf-of assertion the secrets service sends to a regional KMS with each call:
 * `base64url(JSON payload) "." base64url(HMAC-SHA256(key, payload part))`. It binds the caller's
 * token id and project, the request id, the one KMS operation it is for, an expiry at most
 * MAX_LIFETIME_MS after issue, and a random nonce (the KMS accepts each nonce once).
 * The key is derived (HKDF) from SERVICE_CREDENTIAL, which only the secrets service and the KMS
 * hold; the credential itself never travels. Pure: no I/O, the clock is a parameter.
 */

/** The KMS operations the secrets service performs, and the one scope each is granted. */
export const ON_BEHALF_OPERATIONS = {
  encrypt: { type: 'mutation', field: 'encrypt', scope: 'kms:encrypt' },
  decrypt: { type: 'mutation', field: 'decrypt', scope: 'kms:decrypt' },
  decryptBatch: { type: 'mutation', field: 'decryptBatch', scope: 'kms:decrypt' },
  getKey: { type: 'query', field: 'kmsKey', scope: 'kms:read' },
  /** The statuses of many keys (Secret.kmsKey { status } of a page): internal route only, no such GraphQL field. */
  keyStatuses: { type: 'query', field: 'keyStatuses', scope: 'kms:read' },
} as const;
export type OnBehalfOperation = keyof typeof ON_BEHALF_OPERATIONS;

/**
 * The on-behalf operations a KMS also serves on a lean internal route (`POST <path>`, the
 * operation's variables as JSON, answered in the GraphQL response shape; see
 * subgraphs/kms/internal/internalOps.ts). The path names the operation the assertion must be for.
 */
export const INTERNAL_KMS_PATHS = {
  encrypt: '/internal/v1/encrypt',
  decrypt: '/internal/v1/decrypt',
  decryptBatch: '/internal/v1/decryptBatch',
  keyStatuses: '/internal/v1/keyStatuses',
} as const satisfies Partial<Record<OnBehalfOperation, string>>;
export type InternalKmsOperation = keyof typeof INTERNAL_KMS_PATHS;

export const MAX_LIFETIME_MS = 30_000;
/** Clock difference between the two services tolerated on the issue time. */
const MAX_SKEW_MS = 5_000;
const MAX_HEADER_LENGTH = 2048;

export interface Assertion {
  tokenId: string;
  project: string;
  requestId: string;
  operation: OnBehalfOperation;
  /** Issue and expiry time, ms since epoch. */
  issuedAt: number;
  expiresAt: number;
  /** 128 random bits, base64url. */
  nonce: string;
}

export type VerifyResult =
  | { ok: true; assertion: Assertion }
  /** `malformed`/`bad-mac`: nothing in it can be believed. The others carry the authentic assertion. */
  | { ok: false; reason: 'malformed' | 'bad-mac' }
  | { ok: false; reason: 'expired' | 'wrong-request' | 'wrong-operation'; assertion: Assertion };

/** The MAC key both sides derive from the service credential. */
export function onBehalfKey(serviceCredential: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(serviceCredential, 'utf8'), Buffer.alloc(0), 'secrets-manager on-behalf-of v1', 32));
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload, 'utf8').digest();
}

export function createAssertion(
  key: Buffer,
  input: { tokenId: string; project: string; requestId: string; operation: OnBehalfOperation },
  now: number = Date.now(),
  lifetimeMs: number = MAX_LIFETIME_MS,
): string {
  const body = {
    v: 1,
    tid: input.tokenId,
    prj: input.project,
    rid: input.requestId,
    op: input.operation,
    iat: now,
    exp: now + Math.min(lifetimeMs, MAX_LIFETIME_MS),
    n: randomBytes(16).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/**
 * Checks the MAC first (nothing unauthenticated is parsed into a decision), then the fields,
 * lifetime, expiry, request id and operation. Replay (the nonce) is the caller's check: it needs a store.
 */
export function verifyAssertion(
  key: Buffer,
  raw: string | undefined,
  expected: { requestId: string; operation: OnBehalfOperation | null },
  now: number = Date.now(),
): VerifyResult {
  if (!raw || raw.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'malformed' };
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(raw);
  if (!m) return { ok: false, reason: 'malformed' };
  const presented = Buffer.from(m[2], 'base64url');
  const expectedMac = mac(key, m[1]);
  if (presented.length !== expectedMac.length || !timingSafeEqual(presented, expectedMac)) return { ok: false, reason: 'bad-mac' };
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const valid =
    b !== null && typeof b === 'object' && b.v === 1 &&
    typeof b.tid === 'string' && b.tid.length > 0 && b.tid.length <= 128 &&
    isProjectName(b.prj) &&
    typeof b.rid === 'string' && REQUEST_ID_RE.test(b.rid) &&
    typeof b.op === 'string' && Object.prototype.hasOwnProperty.call(ON_BEHALF_OPERATIONS, b.op) &&
    Number.isSafeInteger(b.iat) && Number.isSafeInteger(b.exp) &&
    typeof b.n === 'string' && /^[A-Za-z0-9_-]{22}$/.test(b.n);
  if (!valid) return { ok: false, reason: 'malformed' };
  const assertion: Assertion = {
    tokenId: b.tid as string, project: b.prj as string, requestId: b.rid as string, operation: b.op as OnBehalfOperation,
    issuedAt: b.iat as number, expiresAt: b.exp as number, nonce: b.n as string,
  };
  const lifetime = assertion.expiresAt - assertion.issuedAt;
  if (lifetime <= 0 || lifetime > MAX_LIFETIME_MS) return { ok: false, reason: 'malformed' };
  if (now >= assertion.expiresAt || assertion.issuedAt > now + MAX_SKEW_MS) return { ok: false, reason: 'expired', assertion };
  if (assertion.requestId !== expected.requestId) return { ok: false, reason: 'wrong-request', assertion };
  if (assertion.operation !== expected.operation) return { ok: false, reason: 'wrong-operation', assertion };
  return { ok: true, assertion };
}

/**
 * The one on-behalf operation a GraphQL request body performs, or null: the body must hold exactly
 * one operation with exactly one root field (no fragments, no batches), and that field must be one
 * of ON_BEHALF_OPERATIONS of the right operation type.
 */
export function operationOfRequest(body: string): OnBehalfOperation | null {
  let query: unknown;
  try {
    query = (JSON.parse(body) as { query?: unknown } | null)?.query;
  } catch {
    return null;
  }
  if (typeof query !== 'string') return null;
  let doc;
  try {
    doc = parse(query, { noLocation: true, maxTokens: 10_000 });
  } catch {
    return null;
  }
  if (doc.definitions.length !== 1) return null;
  const [op] = doc.definitions;
  if (op.kind !== Kind.OPERATION_DEFINITION || op.selectionSet.selections.length !== 1) return null;
  const [field] = op.selectionSet.selections;
  if (field.kind !== Kind.FIELD) return null;
  for (const [name, o] of Object.entries(ON_BEHALF_OPERATIONS)) {
    if (o.type === op.operation && o.field === field.name.value) return name as OnBehalfOperation;
  }
  return null;
}
