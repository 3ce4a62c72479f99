import { hash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { ApiError, httpStatusFor, type ErrorCode, INTERNAL_ERROR_MESSAGE } from './errors';
import type { Logger } from './log';
import { noteErrorCode, type ServiceTracing } from './tracing';
import { linkRequest, noteCode, type RequestObserver } from './requestObserver';

/** Header names shared by the gateway, the subgraphs and the KMS client. */
export const HEADER = {
  requestId: 'x-request-id',
  region: 'x-region',
  internalSecret: 'x-internal-secret',
  serviceCredential: 'x-service-credential',
  onBehalfOf: 'x-on-behalf-of',
  /** The gateway's own id of one client request, on each of its subgraph fetches (the rate limit counts it once). */
  gatewayRequest: 'x-gateway-request',
  /** Milliseconds the caller will wait for this answer (relative, so clocks need not agree). */
  timeoutMs: 'x-timeout-ms',
} as const;

/** Longest wait a caller may announce; a larger or malformed value is ignored. */
const MAX_ANNOUNCED_TIMEOUT_MS = 120_000;

/**
 * The absolute time by which this service must have committed a change for the caller to still
 * see the answer: arrival + the caller's announced wait, less a margin for the answer's way back
 * (5 %, at least 100 ms). Null when the caller announced none.
 */
export function deadlineOf(req: IncomingMessage, receivedAt: number): number | null {
  const raw = header(req, HEADER.timeoutMs);
  if (raw === undefined || !/^\d{1,6}$/.test(raw)) return null;
  const ms = Number(raw);
  if (ms <= 0 || ms > MAX_ANNOUNCED_TIMEOUT_MS) return null;
  return receivedAt + ms - Math.max(100, Math.ceil(ms * 0.05));
}

/** A caller-chosen request id we pass on: anything else (it could break a header) is replaced. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id if it is sane, else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const v = req.headers[HEADER.requestId];
  const s = Array.isArray(v) ? v[0] : v;
  return s && REQUEST_ID_RE.test(s) ? s : randomUUID();
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time check of presented values against one secret of any length (compares their SHA-256). */
export function secretMatcher(secret: string): (presented: string | undefined) => boolean {
  // One-shot hash (no Hash object per check: ~1.2 → 0.6 µs). The configured side is hashed once.
  const sha256 = (s: string) => hash('sha256', s, 'buffer');
  const expected = sha256(secret);
  return (presented) => presented !== undefined && timingSafeEqual(sha256(presented), expected);
}

/** Largest request body the gateway and the subgraphs accept (the gateway forwards what it accepted). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLarge extends Error {}

/**
 * Reads a request body of at most `limit` bytes. An oversize body is drained without being kept,
 * so the client gets a clean 400 instead of a reset connection; only one past `drainCap` is cut off.
 */
export function readBody(req: IncomingMessage, limit: number, drainCap = limit * 4): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > drainCap) {
        req.destroy();
        reject(new BodyTooLarge());
        return;
      }
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/**
 * A string's UTF-8 bytes (and a newline, if asked) in one buffer of exactly their length. For a
 * large string this costs far less than Buffer.from, which (Node 20) gets zero-filled memory.
 */
export function utf8Bytes(s: string, newline = false): Buffer {
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(s) + (newline ? 1 : 0));
  let written = bytes.write(s, 0, 'utf8');
  if (newline) bytes[written++] = 0x0a;
  // Never send memory that was not written (byteLength and write agree, this is only a guard).
  return written === bytes.length ? bytes : bytes.subarray(0, written);
}

/**
 * A GraphQL answer's JSON as Apollo's stringifyResult gives it to executeApollo. Apollo's default
 * returns JSON.stringify(result) + '\n': a joined string that has to be copied whole before it can
 * be measured or encoded (≈0.4 ms for a 400 KB answer). This keeps the JSON alone and adds the
 * newline as a byte, so the bytes sent are the same; read as a string it is the default's string.
 */
export class AnswerJson {
  constructor(readonly json: string) {}

  bytes(): Buffer {
    return utf8Bytes(this.json, true);
  }

  toString(): string {
    return `${this.json}\n`;
  }
}

/**
 * Apollo Server's stringifyResult for a server answered through executeApollo. Typed as the string
 * Apollo expects; only executeApollo reads it (anything else that did would get toString()).
 */
export function answerJson(value: unknown): string {
  return new AnswerJson(JSON.stringify(value)) as unknown as string;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GraphQL-shaped error response for failures before execution (auth, bad headers, limits). */
export function sendError(res: ServerResponse, code: ErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  const err = new ApiError(code, message, extra);
  noteErrorCode(res, code);
  noteCode(res, code);
  sendJson(res, httpStatusFor(code), { errors: [{ message: err.message, extensions: err.extensions }], data: null }, headers);
}

/** Hands one HTTP request to Apollo Server and writes its answer. */
export async function executeApollo<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  context: () => Promise<TContext>,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const search = q < 0 ? '' : target.slice(q);
  let parsed: unknown = undefined;
  if (req.method === 'POST' && body.length > 0) {
    const ct = headers.get('content-type') ?? '';
    if (ct.includes('application/json')) {
      try {
        parsed = JSON.parse(body);
      } catch {
        sendError(res, 'BAD_USER_INPUT', 'Request body is not valid JSON', {}, extraHeaders);
        return;
      }
    } else {
      parsed = body;
    }
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? 'GET', headers, search, body: parsed };
  linkRequest(res, httpGraphQLRequest);
  const result = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
  const outHeaders: Record<string, string> = { ...extraHeaders };
  for (const [k, v] of result.headers) outHeaders[k] = v;
  if (result.body.kind === 'complete') {
    // One buffer of the answer's exact length: the socket writes it as is. Written as a string it
    // was joined to the head and encoded again inside the write (a second copy of a large answer).
    const answer: unknown = result.body.string;
    const bytes = answer instanceof AnswerJson ? answer.bytes() : utf8Bytes(result.body.string);
    outHeaders['content-length'] = String(bytes.length);
    res.writeHead(result.status ?? 200, outHeaders);
    res.end(bytes);
  } else {
    res.writeHead(result.status ?? 200, outHeaders);
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

export interface HttpListener {
  server: Server;
  port: number;
  /** The GraphQL endpoint. */
  url: string;
  /** Stops accepting, drops open connections, resolves when closed. */
  close(): Promise<void>;
  /**
   * Graceful stop: readiness answers 503 from now on, the listening socket closes (new connections
   * are refused), idle keep-alive sockets close and every further answer carries `connection: close`;
   * requests in flight get up to `graceMs` to finish, then whatever is left is dropped.
   * Resolves when every connection is closed.
   */
  drain(graceMs: number): Promise<void>;
  /** Whether drain() has begun. */
  readonly draining: boolean;
}

/**
 * Serves `handle` on host:port (0 = a free port). A failure inside the handler becomes a safe 500
 * carrying the request id (or a dropped connection if the answer had started); nothing internal
 * leaves, only the error's name is logged.
 */
export async function serveHttp(
  handle: (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>,
  opts: { port: number; host: string; log: Logger; tracing?: ServiceTracing | null; observer?: RequestObserver },
): Promise<HttpListener> {
  const { tracing } = opts;
  let draining = false;
  // Answers not yet started: on drain each gets `connection: close`, so its socket ends with it.
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const requestId = requestIdOf(req);
    if (draining) {
      res.setHeader('connection', 'close');
      // Readiness turns first, for every service: a balancer stops sending before anything is refused.
      if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/health/ready') {
        return sendJson(res, 503, { status: 'unavailable', reason: 'shutting-down' }, { [HEADER.requestId]: requestId });
      }
    } else {
      open.add(res);
      res.on('finish', () => open.delete(res)).on('close', () => open.delete(res));
    }
    // GET /metrics, and the access log line and request metrics of a /graphql request.
    if (opts.observer?.handled(req, res, requestId)) return;
    (tracing ? tracing.serve(req, res, requestId, () => handle(req, res, requestId)) : handle(req, res, requestId)).catch((err) => {
      opts.log.error('request failed', { requestId, err: err instanceof Error ? err.name : 'unknown' });
      if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', INTERNAL_ERROR_MESSAGE, {}, { [HEADER.requestId]: requestId });
      else res.destroy();
    });
  });
  // Longer than the gateway's idle pooled sockets live, so a pooled socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host}:${port}/graphql`;
  opts.log.info('listening', { url });
  let drained: Promise<void> | null = null;
  return {
    server,
    port,
    url,
    get draining() {
      return draining;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    drain: (graceMs: number) =>
      (drained ??= new Promise<void>((resolve) => {
        draining = true;
        for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
        open.clear();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
