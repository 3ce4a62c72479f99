import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfig } from '../shared/config';
import { header, HEADER } from '../shared/http';

/** What a browser page on an allowed origin may send to /graphql, and read back. */
export const CORS = {
  methods: 'GET, POST, OPTIONS',
  // apollo-require-preflight / x-apollo-operation-name: what browser clients send to pass CSRF prevention on GET.
  allowHeaders: ['authorization', 'content-type', HEADER.region, HEADER.requestId, 'apollo-require-preflight', 'x-apollo-operation-name'],
  exposeHeaders: [HEADER.requestId, 'retry-after'],
  maxAgeSeconds: 600,
} as const;

/**
 * Whether a page at `origin` may call the gateway: an exact entry of CORS_ORIGINS, a `host:*`
 * entry with any port (or none), or — with `ownOrigin` — the host the request was addressed to.
 */
export function originAllowed(origin: string, cors: CorsConfig, host?: string): boolean {
  const o = origin.toLowerCase();
  for (const entry of cors.origins) {
    if (entry.endsWith(':*')) {
      const base = entry.slice(0, -2);
      if (o === base || (o.startsWith(`${base}:`) && /^\d{1,5}$/.test(o.slice(base.length + 1)))) return true;
    } else if (o === entry) {
      return true;
    }
  }
  if (cors.ownOrigin && host) {
    const h = host.toLowerCase();
    return o === `http://${h}` || o === `https://${h}`;
  }
  return false;
}

/** The request's Origin if that origin is allowed, else null (no Origin, `null`, or not listed). */
function allowedOrigin(req: IncomingMessage, cors: CorsConfig): string | null {
  const origin = header(req, 'origin');
  if (!origin || !originAllowed(origin, cors, header(req, 'host'))) return null;
  return origin;
}

/**
 * CORS headers of an actual /graphql answer. The allowed origin is echoed, never `*`, and without
 * allow-credentials: callers authenticate with a bearer header, never cookies. `Vary: Origin`
 * always, so a cache never hands one origin's answer to another.
 */
export function corsHeaders(req: IncomingMessage, cors: CorsConfig): Record<string, string> {
  const origin = allowedOrigin(req, cors);
  if (!origin) return { vary: 'Origin' };
  return { vary: 'Origin', 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS.exposeHeaders.join(', ') };
}

/**
 * Headers of the answer to `OPTIONS /graphql` (always 204). A disallowed origin gets no
 * access-control-* header at all, so the browser refuses the call exactly as if CORS were off.
 */
export function preflightHeaders(req: IncomingMessage, cors: CorsConfig): Record<string, string> {
  const base = { allow: CORS.methods, vary: 'Origin' };
  const origin = allowedOrigin(req, cors);
  if (!origin || !header(req, 'access-control-request-method')) return base;
  return {
    ...base,
    'access-control-allow-origin': origin,
    'access-control-allow-methods': CORS.methods,
    'access-control-allow-headers': CORS.allowHeaders.join(', '),
    'access-control-max-age': String(CORS.maxAgeSeconds),
  };
}

/** Answers `OPTIONS /graphql`: 204, with the CORS grant only for an allowed origin's preflight. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, cors: CorsConfig, headers: Record<string, string>): void {
  res.writeHead(204, { ...headers, ...preflightHeaders(req, cors) });
  res.end();
}
