import { EventEmitter } from 'node:events';
import type { GraphQLFormattedError } from 'graphql';
import { Agent, type Dispatcher } from 'undici';
import { HEADER, utf8Bytes } from './http';
import { injectTraceContext } from './tracing';

/** A GraphQL response body: `data` and/or `errors`, the errors already stripped of internals. */
export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
}

/** A subgraph answered with a GraphQL body (whatever its HTTP status: subgraphs apply the status rule themselves). */
export interface SubgraphAnswer {
  kind: 'answer';
  status: number;
  body: GraphQLBody;
}

/** The subgraph could not be reached, did not answer in time, or answered with something that is not GraphQL. */
export interface SubgraphUnreachable {
  kind: 'unreachable';
  reason: 'refused' | 'reset' | 'timeout' | 'not-graphql' | 'network';
  /** HTTP status of a complete answer that was not GraphQL (absent when none, or it was cut off). */
  status?: number;
}

export type SubgraphOutcome = SubgraphAnswer | SubgraphUnreachable;

export interface SubgraphTransportOptions {
  /** Whole-call deadline (connect + send + the whole response) unless a call asks for another. */
  timeoutMs: number;
  /** Pooled keep-alive connections (default true; off only to measure). */
  keepAlive?: boolean;
  /** A bigger answer is not read: `not-graphql` (default 128 MiB). */
  maxResponseBytes?: number;
  /** Connections per origin (default 512). */
  maxSockets?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

/** Our own deadline fired: the abort reason, so the failure reads as a timeout whatever undici reports. */
class Deadline extends Error {}

/**
 * A call's abort signal. undici takes an EventEmitter as `signal`; one costs far less per call
 * than an AbortController (a Web EventTarget and its signal), and every fetch makes one.
 */
class CallSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** Origin and path of each URL called (a handful: the subgraphs and the regions), parsed once. */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_TARGETS = 256;

function targetOf(url: string): { origin: string; path: string } {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    t = { origin: u.origin, path: u.pathname + u.search };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/**
 * The one outbound HTTP client of the services: the gateway's fetches to the subgraphs and the
 * secrets service's calls to a region's KMS. An undici Agent (one keep-alive pool per origin,
 * pipelining 1: a fresh TCP connection per fetch halves throughput, and undici costs less CPU per
 * call than node:http) and one deadline per call covering connect, send and the whole response,
 * so a dead or hanging subgraph fails fast instead of holding the request. Every call tells the
 * subgraph how long it will wait (`x-timeout-ms`), so it commits nothing we would answer as
 * failed. Never throws: a failure is an outcome with its reason.
 */
export class SubgraphTransport {
  private readonly agent: Agent;

  constructor(readonly opts: SubgraphTransportOptions) {
    // Idle connections are dropped well before the subgraphs' 65 s keep-alive timeout, so we
    // never write on a socket the server is about to close. pipelining 0 turns keep-alive off.
    this.agent = new Agent({
      connections: opts.maxSockets ?? 512,
      pipelining: opts.keepAlive === false ? 0 : 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 30_000,
      // The call's own deadline bounds every phase; undici's per-phase timers stay out of the way.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  async post(url: string, payload: string, headers: Record<string, string>, timeoutMs = this.opts.timeoutMs): Promise<SubgraphOutcome> {
    const maxBytes = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const abort = new CallSignal();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new Deadline());
    }, timeoutMs);
    // accept application/json: subgraphs answer with API.md's status table, which callers read.
    const outHeaders: Record<string, string> = { ...headers, [HEADER.timeoutMs]: String(timeoutMs), accept: 'application/json', 'content-type': 'application/json' };
    injectTraceContext(outHeaders);
    try {
      const target = targetOf(url);
      const res = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: outHeaders,
        // Our own bytes: undici would make them with Buffer.from, which costs more for a large payload.
        body: utf8Bytes(payload),
        signal: abort,
      });
      const text = await readCapped(res, maxBytes);
      if (text === null) return { kind: 'unreachable', reason: 'not-graphql' };
      const ct = res.headers['content-type'];
      const body = parseGraphQLBody(Array.isArray(ct) ? ct[0] : ct, text);
      return body ? { kind: 'answer', status: res.statusCode, body } : { kind: 'unreachable', reason: 'not-graphql', status: res.statusCode };
    } catch (err) {
      return { kind: 'unreachable', reason: timedOut ? 'timeout' : reasonOf(err as NodeJS.ErrnoException) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Liveness of the service behind a GraphQL URL (its `/health/live`), within `timeoutMs`: lets a
   * slow operation get a long deadline without letting a hung service hold a request for it.
   */
  async alive(graphqlUrl: string, timeoutMs = this.opts.timeoutMs): Promise<boolean> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Deadline()), timeoutMs);
    try {
      const target = new URL('/health/live', graphqlUrl);
      const res = await this.agent.request({ origin: target.origin, path: target.pathname, method: 'GET', signal: abort.signal });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the pooled connections (shutdown, tests). */
  close(): void {
    void this.agent.destroy().catch(() => undefined);
  }
}

/** The whole body as UTF-8, or null once it passes `maxBytes` (the rest is not read; the connection is dropped). */
function readCapped(res: Dispatcher.ResponseData, maxBytes: number): Promise<string | null> {
  const body = res.body;
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    return Promise.resolve(null);
  }
  // Listeners rather than an async iterator: cheaper per call, and this runs on every fetch.
  return new Promise<string | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        body.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    body.on('error', reject);
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8')));
  });
}

function reasonOf(err: NodeJS.ErrnoException): SubgraphUnreachable['reason'] {
  // undici wraps socket failures (UND_ERR_SOCKET: "other side closed") and keeps connect errors' codes.
  const code = err?.code ?? (err?.cause as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    default:
      return 'network';
  }
}

/** A GraphQL response body (JSON object with `data` and/or `errors`), or null for anything else (proxy pages, garbage). */
export function parseGraphQLBody(contentType: string | undefined, text: string): GraphQLBody | null {
  if (!contentType || !/^application\/(graphql-response\+)?json/i.test(contentType)) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  if (!('data' in o) && !('errors' in o)) return null;
  const data = o.data === undefined || o.data === null ? (o.data as null | undefined) : typeof o.data === 'object' && !Array.isArray(o.data) ? (o.data as Record<string, unknown>) : null;
  const errors = Array.isArray(o.errors) ? o.errors.map(sanitizeSubgraphError) : undefined;
  return { data, errors };
}

/** Keeps what a client may see of a subgraph error: message, path and extensions minus internals. */
export function sanitizeSubgraphError(e: unknown): GraphQLFormattedError {
  const o = (e && typeof e === 'object' ? e : {}) as Record<string, unknown>;
  const message = typeof o.message === 'string' ? o.message : 'Subgraph error';
  const path = Array.isArray(o.path) && o.path.every((p) => typeof p === 'string' || typeof p === 'number') ? (o.path as (string | number)[]) : undefined;
  const ext = o.extensions && typeof o.extensions === 'object' ? { ...(o.extensions as Record<string, unknown>) } : {};
  for (const k of INTERNAL_EXTENSIONS) delete ext[k];
  return path ? { message, path, extensions: ext } : { message, extensions: ext };
}

/** Extension keys that describe the subgraph's internals rather than the error. */
export const INTERNAL_EXTENSIONS = ['stacktrace', 'exception', 'serviceName', 'response', 'http'];
