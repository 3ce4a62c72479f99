import { SecretsKmsError, type GraphQLErrorPayload } from './errors';

/** A fetch with the WHATWG signature (Node 20's global fetch, a browser's, or a wrapper). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  url: string;
  token: string;
  region?: string;
  fetch?: FetchLike;
  retries: number;
  maxRetryWaitMs: number;
  requestId?: string | (() => string);
  headers?: Record<string, string>;
  onPartialErrors?: (errors: GraphQLErrorPayload[], info: PartialErrorInfo) => void;
}

/** Per-call overrides, the last argument of every method. */
export interface CallOptions {
  /** `x-region` for this call (else the client's region, else the server's default). */
  region?: string;
  /** `x-request-id` for this call. */
  requestId?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface PartialErrorInfo {
  operationName: string | undefined;
  requestId: string | undefined;
}

export interface OperationRequest {
  query: string;
  variables?: unknown;
  operationName?: string;
  /** Whether a short 503/429 may be retried (queries; mutations carrying an idempotencyKey). */
  retryable: boolean;
}

/**
 * Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110); undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** API.md: "no data" = `data` null, or every root field null. */
function hasNoData(data: unknown): boolean {
  if (data === null || data === undefined || typeof data !== 'object') return true;
  return Object.values(data as Record<string, unknown>).every((v) => v === null);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeNetworkFailure(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'AbortError') return 'request aborted';
  const detail = err?.cause?.code ?? err?.cause?.message;
  return `${err?.message ?? String(e)}${detail ? ` (${detail})` : ''}`;
}

/** POSTs one GraphQL operation; resolves with its data, or rejects with a SecretsKmsError. */
export async function execute(opts: TransportOptions, op: OperationRequest, call: CallOptions = {}): Promise<Record<string, unknown>> {
  const doFetch: FetchLike = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const sentRequestId = call.requestId ?? (typeof opts.requestId === 'function' ? opts.requestId() : opts.requestId);
  const region = call.region ?? opts.region;
  const headers: Record<string, string> = {
    ...opts.headers,
    ...call.headers,
    'content-type': 'application/json',
    // The status table of API.md applies to application/json responses; the client relies on it.
    accept: 'application/json',
    authorization: `Bearer ${opts.token}`,
  };
  if (region) headers['x-region'] = region;
  // One id for every attempt: the retries of one call are one request in the audit log.
  if (sentRequestId) headers['x-request-id'] = sentRequestId;
  const body = JSON.stringify({ query: op.query, variables: op.variables ?? {}, ...(op.operationName ? { operationName: op.operationName } : {}) });

  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(opts.url, { method: 'POST', headers, body, signal: call.signal });
    } catch (e) {
      throw new SecretsKmsError({ code: 'NETWORK_ERROR', message: `no response from ${opts.url}: ${describeNetworkFailure(e)}`, requestId: sentRequestId, cause: e });
    }
    const requestId = res.headers.get('x-request-id') ?? sentRequestId;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    const text = await res.text().catch(() => '');
    let parsed: { data?: unknown; errors?: GraphQLErrorPayload[] } | undefined;
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) parsed = v as typeof parsed;
    } catch {
      parsed = undefined;
    }
    const errors = Array.isArray(parsed?.errors) ? parsed!.errors : [];

    // A null root field without errors is an answer (e.g. `kmsKey` of an absent key).
    const answered = errors.length === 0 ? parsed?.data !== null && typeof parsed?.data === 'object' : !hasNoData(parsed?.data);
    if (parsed && res.ok && answered) {
      if (errors.length > 0) opts.onPartialErrors?.(errors, { operationName: op.operationName, requestId });
      return parsed.data as Record<string, unknown>;
    }

    const retryWaitMs = retryAfter === undefined ? undefined : retryAfter * 1000;
    if (
      op.retryable &&
      (res.status === 503 || res.status === 429) &&
      retryWaitMs !== undefined &&
      retryWaitMs <= opts.maxRetryWaitMs &&
      attempt < opts.retries
    ) {
      await sleep(retryWaitMs, call.signal);
      continue;
    }

    if (!parsed) {
      throw new SecretsKmsError({ code: 'BAD_RESPONSE', message: `HTTP ${res.status} without a GraphQL JSON body`, status: res.status, requestId, retryAfter });
    }
    const first = errors[0];
    if (!first) {
      throw new SecretsKmsError({ code: 'BAD_RESPONSE', message: `HTTP ${res.status} with neither data nor errors`, status: res.status, requestId, retryAfter });
    }
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
    throw new SecretsKmsError({
      code,
      message: typeof first.message === 'string' ? first.message : 'request failed',
      status: res.status,
      requestId,
      retryAfter,
      extensions: first.extensions,
      errors,
    });
  }
}
