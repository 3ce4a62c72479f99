import http from 'node:http';
import https from 'node:https';
import type { GraphQLFormattedError } from 'graphql';
import { HEADER } from './http';
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
  /** Pooled keep-alive sockets (default true; off only to measure). */
  keepAlive?: boolean;
  /** A bigger answer is not read: `not-graphql` (default 128 MiB). */
  maxResponseBytes?: number;
  /** Sockets per origin (default 512). */
  maxSockets?: number;
}

const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

/**
 * The one outbound HTTP client of the services: the gateway's fetches to the subgraphs and the
 * secrets service's calls to a region's KMS. Pooled keep-alive sockets (a fresh TCP connection per
 * fetch halves throughput) and one deadline per call covering connect, send and the whole
 * response, so a dead or hanging subgraph fails fast instead of holding the request. Every call
 * tells the subgraph how long it will wait (`x-timeout-ms`), so it commits nothing we would answer
 * as failed. Never throws: a failure is an outcome with its reason.
 */
export class SubgraphTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(readonly opts: SubgraphTransportOptions) {
    // Idle sockets are dropped well before the subgraphs' 65 s keep-alive timeout, so we never
    // write on a socket the server is about to close.
    const agentOpts = {
      keepAlive: opts.keepAlive ?? true,
      maxSockets: opts.maxSockets ?? 512,
      maxFreeSockets: Math.min(256, opts.maxSockets ?? 256),
      timeout: 30_000,
      scheduling: 'lifo' as const,
    };
    this.httpAgent = new http.Agent(agentOpts);
    this.httpsAgent = new https.Agent(agentOpts);
  }

  post(url: string, payload: string, headers: Record<string, string>, timeoutMs = this.opts.timeoutMs): Promise<SubgraphOutcome> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const maxBytes = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // accept application/json: subgraphs answer with API.md's status table, which callers read.
    const outHeaders: Record<string, string> = { ...headers, [HEADER.timeoutMs]: String(timeoutMs), accept: 'application/json', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    injectTraceContext(outHeaders);
    return new Promise<SubgraphOutcome>((resolve) => {
      let settled = false;
      const settle = (o: SubgraphOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(o);
      };
      const req = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers: outHeaders,
      });
      const timer = setTimeout(() => {
        settle({ kind: 'unreachable', reason: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => settle({ kind: 'unreachable', reason: reasonOf(err) }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            settle({ kind: 'unreachable', reason: 'not-graphql' });
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) => settle({ kind: 'unreachable', reason: reasonOf(err) }));
        res.on('aborted', () => settle({ kind: 'unreachable', reason: 'reset' }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const body = parseGraphQLBody(res.headers['content-type'], Buffer.concat(chunks).toString('utf8'));
          settle(body ? { kind: 'answer', status, body } : { kind: 'unreachable', reason: 'not-graphql', status });
        });
      });
      req.end(payload);
    });
  }

  /**
   * Liveness of the service behind a GraphQL URL (its `/health/live`), within `timeoutMs`: lets a
   * slow operation get a long deadline without letting a hung service hold a request for it.
   */
  alive(graphqlUrl: string, timeoutMs = this.opts.timeoutMs): Promise<boolean> {
    const target = new URL('/health/live', graphqlUrl);
    const secure = target.protocol === 'https:';
    return new Promise<boolean>((resolve) => {
      const req = (secure ? https : http).get(target, { agent: secure ? this.httpsAgent : this.httpAgent }, (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve(res.statusCode === 200);
        });
        res.on('error', () => resolve(false));
      });
      const timer = setTimeout(() => {
        req.destroy();
        resolve(false);
      }, timeoutMs);
      req.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }

  /** Closes idle keep-alive sockets (shutdown, tests). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function reasonOf(err: NodeJS.ErrnoException): SubgraphUnreachable['reason'] {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'reset';
    case 'ETIMEDOUT':
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
