import { randomUUID } from 'node:crypto';
import type { Config } from './config';
import { CircuitBreaker, type BreakerSettings } from './circuitBreaker';
import { ApiError, isErrorCode, regionUnavailable, internalError, type ErrorCode } from './errors';
import { HEADER, REQUEST_ID_RE } from './http';
import { createAssertion, INTERNAL_KMS_PATHS, onBehalfKey, type OnBehalfOperation } from './onBehalfOf';
import { SubgraphTransport, type GraphQLBody } from './subgraphTransport';
import { withClientSpan } from './tracing';

/**
 * The KMS client of the secrets subgraph: calls the kms subgraph of a secret's region over HTTP
 * (GraphQL), authenticated by the internal secret and, on behalf of the caller, by a fresh MAC'd
 * assertion for that one operation (shared/onBehalfOf.ts; the service credential never travels). A region that cannot answer — no endpoint, refused, reset, timed out, circuit open —
 * is REGION_UNAVAILABLE (503), fast; a GraphQL error from KMS keeps its code.
 * Plaintext and ciphertext travel only in request/response bodies: never in errors or logs.
 */
export interface KmsCaller {
  tokenId: string;
  project: string;
}

interface CallBase {
  region: string;
  caller: KmsCaller;
  requestId: string;
  /**
   * Absolute time (ms since epoch) by which the whole operation that makes this call must be done:
   * the call gets min(timeoutMs, what is left); nothing left → REGION_UNAVAILABLE without calling.
   * Lets several KMS calls of one operation share one budget below the gateway's timeout.
   */
  deadline?: number;
}

export interface EncryptRequest extends CallBase {
  keyIdentity: string;
  plaintextB64: string;
  associatedDataB64: string;
}

export interface DecryptRequest extends CallBase {
  keyIdentity: string;
  ciphertext: string;
  associatedDataB64: string;
}

/** Many ciphertexts of one key, decrypted by one call (and one kms.decrypt audit event). */
export interface DecryptBatchRequest extends CallBase {
  keyIdentity: string;
  items: { ciphertext: string; associatedDataB64: string }[];
}

/**
 * One item of a batch decrypt, in input order: its plaintext as UTF-8 text (invalid UTF-8 as
 * U+FFFD: the callers' values are text), or its own error.
 */
export interface DecryptBatchItem {
  text: string | null;
  keyVersion: number | null;
  error: { code: ErrorCode; message: string } | null;
}

export interface KmsKeyInfo {
  identity: string;
  type: string;
  purpose: string;
  status: string;
  region: string;
}

export interface KmsClientOptions {
  /** Whole-call deadline (connect + answer); default config.kmsTimeoutMs. */
  timeoutMs?: number;
  breakerOptions?: BreakerSettings;
  /** Told of each region's breaker when it is created (shared/metrics.ts reports its state). */
  onBreaker?: (region: string, breaker: CircuitBreaker) => void;
}

const ENCRYPT = `mutation SecretsKmsEncrypt($input: EncryptInput!) {
  encrypt(input: $input) { keyIdentity keyVersion ciphertext }
}`;
const DECRYPT = `mutation SecretsKmsDecrypt($input: DecryptInput!) {
  decrypt(input: $input) { keyIdentity keyVersion plaintext }
}`;
const DECRYPT_BATCH = `mutation SecretsKmsDecryptBatch($keyIdentity: String!, $items: [DecryptBatchItemInput!]!) {
  decryptBatch(keyIdentity: $keyIdentity, items: $items) { index keyVersion plaintext error { code message } }
}`;
const GET_KEY = `query SecretsKmsKey($identity: String!) {
  kmsKey(identity: $identity) { identity type purpose status region }
}`;

/** Extensions of a KMS error that are safe to pass to our caller. */
const SAFE_EXTENSIONS = ['kmsKeyStatus', 'region', 'feature', 'field', 'retryAfter'] as const;
/** Retry-After of a region that was slow for one operation's budget (the breaker did not open). */
const BUDGET_RETRY_AFTER_S = 1;
const MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_MESSAGE_LENGTH = 300;

export class KmsClient {
  private readonly timeoutMs: number;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly internalUrls = new Map<string, string>();
  private readonly transport: SubgraphTransport;
  private readonly assertionKey: Buffer | null;

  constructor(private readonly config: Config, private readonly opts: KmsClientOptions = {}) {
    this.assertionKey = config.serviceCredential ? onBehalfKey(config.serviceCredential) : null;
    this.timeoutMs = opts.timeoutMs ?? config.kmsTimeoutMs;
    this.transport = new SubgraphTransport({ timeoutMs: this.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES, maxSockets: 64 });
  }

  async encrypt(req: EncryptRequest): Promise<{ ciphertext: string; keyVersion: number }> {
    const data = await this.call(req, 'encrypt', ENCRYPT, {
      input: { keyIdentity: req.keyIdentity, plaintext: req.plaintextB64, associatedData: req.associatedDataB64 },
    });
    const r = data.encrypt as { ciphertext?: unknown; keyVersion?: unknown } | null | undefined;
    if (!r || typeof r.ciphertext !== 'string' || !Number.isInteger(r.keyVersion)) throw malformed();
    return { ciphertext: r.ciphertext, keyVersion: r.keyVersion as number };
  }

  async decrypt(req: DecryptRequest): Promise<{ plaintextB64: string; keyVersion: number }> {
    const data = await this.call(req, 'decrypt', DECRYPT, {
      input: { keyIdentity: req.keyIdentity, ciphertext: req.ciphertext, associatedData: req.associatedDataB64 },
    });
    const r = data.decrypt as { plaintext?: unknown; keyVersion?: unknown } | null | undefined;
    if (!r || typeof r.plaintext !== 'string' || !Number.isInteger(r.keyVersion)) throw malformed();
    return { plaintextB64: r.plaintext, keyVersion: r.keyVersion as number };
  }

  /**
   * One decryptBatch call: a whole-call error (NOT_FOUND, KMS_KEY_NOT_ACTIVE, REGION_UNAVAILABLE…)
   * throws as for decrypt; an item's own error (INVALID_CIPHERTEXT…) comes back in its place.
   */
  async decryptBatch(req: DecryptBatchRequest): Promise<DecryptBatchItem[]> {
    // Plaintexts come back as text, not base64 (the internal route's plaintextEncoding: fewer bytes, no decoding).
    const data = await this.call(req, 'decryptBatch', DECRYPT_BATCH, {
      keyIdentity: req.keyIdentity,
      items: req.items.map((i) => ({ ciphertext: i.ciphertext, associatedData: i.associatedDataB64 })),
      plaintextEncoding: 'utf8',
    });
    return batchItems(data.decryptBatch, req.items.length);
  }

  /** The key in that region, or null when it does not exist there. */
  async getKey(req: CallBase & { identity: string }): Promise<KmsKeyInfo | null> {
    const data = await this.call(req, 'getKey', GET_KEY, { identity: req.identity });
    const k = data.kmsKey as KmsKeyInfo | null | undefined;
    if (k === null || k === undefined) return null;
    if (typeof k.identity !== 'string' || typeof k.status !== 'string' || typeof k.type !== 'string') throw malformed();
    return { identity: k.identity, type: k.type, purpose: k.purpose, status: k.status, region: k.region };
  }

  /**
   * The status of each key in that region, in input order; null where it does not exist (the
   * internal route only: one call for a page's keys, answered from the KMS's key records).
   */
  async keyStatuses(req: CallBase & { identities: string[] }): Promise<(string | null)[]> {
    const data = await this.call(req, 'keyStatuses', '', { identities: req.identities });
    const r = data.keyStatuses;
    if (!Array.isArray(r) || r.length !== req.identities.length || !r.every((s) => s === null || typeof s === 'string')) throw malformed();
    return r as (string | null)[];
  }

  /** Breaker state of a region (for readiness reports). */
  regionState(region: string): 'closed' | 'open' | 'half-open' {
    return this.breakers.get(region)?.state ?? 'closed';
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.transport.close();
  }

  private internalUrl(kmsUrl: string, path: string): string {
    const key = `${kmsUrl} ${path}`;
    let url = this.internalUrls.get(key);
    if (!url) {
      url = new URL(path, kmsUrl).toString();
      this.internalUrls.set(key, url);
    }
    return url;
  }

  private breaker(region: string): CircuitBreaker {
    let b = this.breakers.get(region);
    if (!b) {
      b = new CircuitBreaker(this.opts.breakerOptions);
      this.breakers.set(region, b);
      this.opts.onBreaker?.(region, b);
    }
    return b;
  }

  /** One call in a client span (`kms.<operation>`, with its region) when tracing is on. */
  private call(req: CallBase, operation: OnBehalfOperation, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    return withClientSpan(`kms.${operation}`, { 'smk.region': req.region }, () => this.callOnce(req, operation, query, variables));
  }

  private async callOnce(req: CallBase, operation: OnBehalfOperation, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const kmsUrl = this.config.regions.get(req.region)?.kmsUrl ?? null;
    if (!kmsUrl) throw regionUnavailable(req.region, 60);
    // The hot operations take the KMS's lean internal route (same auth, checks and audit; no GraphQL
    // parse/validate/execute on either side); the rest is a GraphQL request.
    const internalPath = (INTERNAL_KMS_PATHS as Partial<Record<OnBehalfOperation, string>>)[operation];
    const url = internalPath ? this.internalUrl(kmsUrl, internalPath) : kmsUrl;
    const payload = internalPath ? JSON.stringify(variables) : JSON.stringify({ query, variables });
    const breaker = this.breaker(req.region);
    if (!breaker.canRequest()) throw regionUnavailable(req.region, breaker.retryAfterSeconds());
    const left = req.deadline === undefined ? this.timeoutMs : Math.floor(req.deadline - Date.now());
    if (left <= 0) throw regionUnavailable(req.region, BUDGET_RETRY_AFTER_S);
    const timeoutMs = Math.min(this.timeoutMs, left);
    const outcome = await this.transport.post(url, payload, this.headers(req, operation), timeoutMs);
    if (outcome.kind === 'unreachable') {
      // A complete answer below 500 that is not GraphQL: the region is up, its answer is broken.
      if (outcome.reason === 'not-graphql' && outcome.status !== undefined && outcome.status < 500) {
        breaker.success();
        throw malformed();
      }
      // A call cut short by the operation's budget says little about the region: not a breaker failure.
      const cutShort = outcome.reason === 'timeout' && timeoutMs < this.timeoutMs;
      if (cutShort) breaker.inconclusive();
      else breaker.failure();
      throw regionUnavailable(req.region, cutShort ? BUDGET_RETRY_AFTER_S : breaker.retryAfterSeconds());
    }
    breaker.success();
    const body: GraphQLBody = outcome.body;
    if (body.errors && body.errors.length > 0) throw fromKmsError(body.errors[0], req.region);
    if (!body.data) throw malformed();
    return body.data;
  }

  private headers(req: CallBase, operation: OnBehalfOperation): Record<string, string> {
    const requestId = REQUEST_ID_RE.test(req.requestId) ? req.requestId : randomUUID();
    const headers: Record<string, string> = {
      [HEADER.internalSecret]: this.config.internalSecret,
      [HEADER.requestId]: requestId,
      [HEADER.region]: req.region,
    };
    // One assertion per call: a fresh nonce, bound to this request id and this one operation.
    if (this.assertionKey) {
      headers[HEADER.onBehalfOf] = createAssertion(this.assertionKey, { tokenId: req.caller.tokenId, project: req.caller.project, requestId, operation });
    }
    return headers;
  }
}

/** A KMS answer we cannot use: the client-facing internal error, saying nothing more. */
const malformed = internalError;

/** decryptBatch's answer checked item by item: one per input, in order; an item error keeps only a known code. */
function batchItems(raw: unknown, expected: number): DecryptBatchItem[] {
  if (!Array.isArray(raw) || raw.length !== expected) throw malformed();
  return raw.map((r: { index?: unknown; keyVersion?: unknown; plaintext?: unknown; plaintextUtf8?: unknown; error?: { code?: unknown; message?: unknown } | null } | null, i) => {
    if (!r || r.index !== i) throw malformed();
    if (r.error) {
      const code = isErrorCode(r.error.code) && r.error.code !== 'INTERNAL_SERVER_ERROR' ? r.error.code : null;
      if (!code) throw malformed();
      const message = typeof r.error.message === 'string' && r.error.message.length > 0 ? r.error.message.slice(0, MAX_MESSAGE_LENGTH) : code;
      return { text: null, keyVersion: null, error: { code, message } };
    }
    if (!Number.isInteger(r.keyVersion)) throw malformed();
    if (typeof r.plaintextUtf8 === 'string') return { text: r.plaintextUtf8, keyVersion: r.keyVersion as number, error: null };
    // A KMS that answers in base64 still (it predates plaintextEncoding).
    if (typeof r.plaintext !== 'string') throw malformed();
    return { text: Buffer.from(r.plaintext, 'base64').toString('utf8'), keyVersion: r.keyVersion as number, error: null };
  });
}

/** A KMS GraphQL error as our own ApiError: same code, safe extensions, a bounded message. */
function fromKmsError(e: { message?: unknown; extensions?: Record<string, unknown> }, region: string): ApiError {
  const code = e.extensions?.code;
  if (!isErrorCode(code) || code === 'INTERNAL_SERVER_ERROR') return malformed();
  const extra: Record<string, unknown> = {};
  for (const k of SAFE_EXTENSIONS) {
    const v = e.extensions?.[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') extra[k] = v;
  }
  if (code === 'REGION_UNAVAILABLE' && extra.region === undefined) extra.region = region;
  const message = typeof e.message === 'string' && e.message.length > 0 ? e.message.slice(0, MAX_MESSAGE_LENGTH) : code;
  return new ApiError(code, message, extra);
}
