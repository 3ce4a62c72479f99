import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Config } from './config';
import { CircuitBreaker } from './circuitBreaker';
import { ApiError, isErrorCode, regionUnavailable } from './errors';
import { HEADER } from './http';

/**
 * The KMS client of the secrets subgraph: calls the kms subgraph of a secret's region over HTTP
 * (GraphQL), authenticated by the internal secret and the service credential, on behalf of the
 * caller. A region that cannot answer — no endpoint, refused, reset, timed out, circuit open —
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
  breakerOptions?: { failureThreshold: number; resetAfterMs: number; now?: () => number };
}

const ENCRYPT = `mutation SecretsKmsEncrypt($input: EncryptInput!) {
  encrypt(input: $input) { keyIdentity keyVersion ciphertext }
}`;
const DECRYPT = `mutation SecretsKmsDecrypt($input: DecryptInput!) {
  decrypt(input: $input) { keyIdentity keyVersion plaintext }
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
/** Same shape the gateway accepts; anything else (it would break the header) gets a fresh id. */
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** A transport failure: the region did not answer usefully. */
class RegionFailure extends Error {}

export class KmsClient {
  private readonly timeoutMs: number;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly config: Config, private readonly opts: KmsClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? config.kmsTimeoutMs;
  }

  async encrypt(req: EncryptRequest): Promise<{ ciphertext: string; keyVersion: number }> {
    const data = await this.call(req, ENCRYPT, {
      input: { keyIdentity: req.keyIdentity, plaintext: req.plaintextB64, associatedData: req.associatedDataB64 },
    });
    const r = data.encrypt as { ciphertext?: unknown; keyVersion?: unknown } | null | undefined;
    if (!r || typeof r.ciphertext !== 'string' || !Number.isInteger(r.keyVersion)) throw malformed();
    return { ciphertext: r.ciphertext, keyVersion: r.keyVersion as number };
  }

  async decrypt(req: DecryptRequest): Promise<{ plaintextB64: string; keyVersion: number }> {
    const data = await this.call(req, DECRYPT, {
      input: { keyIdentity: req.keyIdentity, ciphertext: req.ciphertext, associatedData: req.associatedDataB64 },
    });
    const r = data.decrypt as { plaintext?: unknown; keyVersion?: unknown } | null | undefined;
    if (!r || typeof r.plaintext !== 'string' || !Number.isInteger(r.keyVersion)) throw malformed();
    return { plaintextB64: r.plaintext, keyVersion: r.keyVersion as number };
  }

  /** The key in that region, or null when it does not exist there. */
  async getKey(req: CallBase & { identity: string }): Promise<KmsKeyInfo | null> {
    const data = await this.call(req, GET_KEY, { identity: req.identity });
    const k = data.kmsKey as KmsKeyInfo | null | undefined;
    if (k === null || k === undefined) return null;
    if (typeof k.identity !== 'string' || typeof k.status !== 'string' || typeof k.type !== 'string') throw malformed();
    return { identity: k.identity, type: k.type, purpose: k.purpose, status: k.status, region: k.region };
  }

  /** Breaker state of a region (for readiness reports). */
  regionState(region: string): 'closed' | 'open' | 'half-open' {
    return this.breakers.get(region)?.state ?? 'closed';
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private breaker(region: string): CircuitBreaker {
    let b = this.breakers.get(region);
    if (!b) {
      b = new CircuitBreaker(this.opts.breakerOptions ?? { failureThreshold: 5, resetAfterMs: 5000 });
      this.breakers.set(region, b);
    }
    return b;
  }

  private async call(req: CallBase, query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const url = this.config.regions.get(req.region)?.kmsUrl ?? null;
    if (!url) throw regionUnavailable(req.region, 60);
    const breaker = this.breaker(req.region);
    if (!breaker.canRequest()) throw regionUnavailable(req.region, breaker.retryAfterSeconds());
    const left = req.deadline === undefined ? this.timeoutMs : Math.floor(req.deadline - Date.now());
    if (left <= 0) throw regionUnavailable(req.region, BUDGET_RETRY_AFTER_S);
    const timeoutMs = Math.min(this.timeoutMs, left);
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.post(url, req, JSON.stringify({ query, variables }), timeoutMs));
    } catch (err) {
      // A call cut short by the operation's budget says little about the region: not a breaker failure.
      const cutShort = err instanceof RegionFailure && err.message === 'timeout' && timeoutMs < this.timeoutMs;
      if (!cutShort) breaker.failure();
      throw regionUnavailable(req.region, cutShort ? BUDGET_RETRY_AFTER_S : breaker.retryAfterSeconds());
    }
    let body: { data?: Record<string, unknown> | null; errors?: { message?: unknown; extensions?: Record<string, unknown> }[] };
    try {
      body = JSON.parse(text);
    } catch {
      // A proxy's 502 page, a crashed process: the region did not answer as KMS.
      if (status >= 500) {
        breaker.failure();
        throw regionUnavailable(req.region, breaker.retryAfterSeconds());
      }
      breaker.success();
      throw malformed();
    }
    breaker.success();
    if (body.errors && body.errors.length > 0) throw fromKmsError(body.errors[0], req.region);
    if (!body.data) throw malformed();
    return body.data;
  }

  private post(url: string, req: CallBase, payload: string, timeoutMs: number): Promise<{ status: number; text: string }> {
    const u = new URL(url);
    const isHttps = u.protocol === 'https:';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      [HEADER.internalSecret]: this.config.internalSecret,
      [HEADER.onBehalfOf]: Buffer.from(JSON.stringify({ tokenId: req.caller.tokenId, project: req.caller.project })).toString('base64url'),
      [HEADER.requestId]: REQUEST_ID_RE.test(req.requestId) ? req.requestId : randomUUID(),
      [HEADER.region]: req.region,
    };
    if (this.config.serviceCredential) headers[HEADER.serviceCredential] = this.config.serviceCredential;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err: Error | null, v?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(v!);
      };
      const request = (isHttps ? https : http).request(
        u,
        { method: 'POST', headers, agent: isHttps ? this.httpsAgent : this.httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              request.destroy();
              done(new RegionFailure('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => done(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => done(e));
          res.on('aborted', () => done(new RegionFailure('aborted')));
        },
      );
      // One deadline for connect + headers + body: a region that hangs costs at most timeoutMs.
      const timer = setTimeout(() => {
        request.destroy(new RegionFailure('timeout'));
        done(new RegionFailure('timeout'));
      }, timeoutMs);
      request.on('error', (e) => done(e));
      request.end(payload);
    });
  }
}

function malformed(): ApiError {
  return new ApiError('INTERNAL_SERVER_ERROR', 'Internal server error');
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
