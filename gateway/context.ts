import { HEADER } from '../shared/http';

/** What the gateway knows about one client request; data sources forward it to the subgraphs. */
export interface GatewayContext {
  requestId: string;
  /** The request's region: `x-region` (already validated against the registry) or the default. */
  region: string;
  /** The caller's `Authorization` header, forwarded as is: subgraphs authenticate themselves. */
  authorization?: string;
  /** Unique per client request (unlike requestId, which the client may choose): the rate limit counts the request once. */
  gatewayRequestId?: string;
  /** When the gateway stops waiting for this request (ms since epoch; REQUEST_TIMEOUT_MS after it arrived). */
  deadline?: number;
}

/**
 * How long one subgraph fetch may wait: its own timeout, but never past the request's deadline,
 * so the time a subgraph is told (x-timeout-ms) is the time left on the request.
 */
export function fetchBudget(ctx: Partial<GatewayContext> | undefined, fetchTimeoutMs: number): number {
  return ctx?.deadline === undefined ? fetchTimeoutMs : Math.min(fetchTimeoutMs, Math.floor(ctx.deadline - Date.now()));
}

/** Headers every subgraph fetch carries: the caller's identity and ids, plus the internal secret. */
export function forwardedHeaders(ctx: Partial<GatewayContext> | undefined, internalSecret: string, region?: string): Record<string, string> {
  const h: Record<string, string> = { [HEADER.internalSecret]: internalSecret };
  if (ctx?.authorization) h.authorization = ctx.authorization;
  if (ctx?.requestId) h[HEADER.requestId] = ctx.requestId;
  if (ctx?.gatewayRequestId) h[HEADER.gatewayRequest] = ctx.gatewayRequestId;
  const r = region ?? ctx?.region;
  if (r) h[HEADER.region] = r;
  return h;
}
