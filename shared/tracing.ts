import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { context, createContextKey, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { TracingConfig } from './config';
import { rootFields } from './requestObserver';
import { acquire, release, SERVICE, type ProcessTracing } from './tracingProcess';

/**
 * Optional OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT). Off, nothing is set up and the
 * hooks below return after one check. On, the process registers one tracer provider (batched
 * OTLP/HTTP JSON export, tracingProcess.ts), the AsyncLocalStorage context manager and the W3C
 * trace-context propagator; @apollo/gateway's own spans (gateway.request, .plan, .execute, .fetch) then record
 * through it. Each service's HTTP requests run in a server span (tracing.serve), outbound calls
 * carry `traceparent` (injectTraceContext), so one client request is one trace:
 * gateway → secrets → kms.
 *
 * What a span may hold: service, region, request id, the operation's type and root field names,
 * HTTP status, error code. Never a variable, value, path, document, header or token.
 *
 * The provider is per process, but a test stack runs several services in one: every span carries
 * `service.name` (the resource's is the first service's, or OTEL_SERVICE_NAME), taken from the
 * context the service's server span set up, so spans of Apollo's own tracer get it too.
 */

/** Span attribute names this code sets. */
export const ATTR = {
  service: 'service.name',
  region: 'smk.region',
  requestId: 'smk.request_id',
  errorCode: 'smk.error_code',
  operationType: 'graphql.operation.type',
  rootFields: 'graphql.root_fields',
  method: 'http.request.method',
  route: 'http.route',
  status: 'http.response.status_code',
} as const;

const SERVER_SPAN = createContextKey('secrets-kms.server-span');

/** This module's view of the process's tracing (tracingProcess.ts); null until a service starts it. */
let state: ProcessTracing | null = null;
/** Whether spans are recorded and exported now: the one check every hook makes first. */
function on(): boolean {
  return state !== null && state.pipeline !== null;
}
/** The server span of each response in flight (sendError notes its code on it). */
const spanOfResponse = new WeakMap<ServerResponse, Span>();

/** One service's tracing: its server spans, and its share of the process's provider. */
export interface ServiceTracing {
  readonly service: string;
  /**
   * Runs one HTTP request in a server span (`POST /graphql <service>`), ended when the answer
   * has gone or the connection closed. `trustIncoming`: continue the caller's trace from its
   * `traceparent`; otherwise every request starts a new trace.
   */
  serve(req: IncomingMessage, res: ServerResponse, requestId: string, run: () => Promise<void>): Promise<void>;
  /** Exports what has ended so far. */
  flush(): Promise<void>;
  /** This service is done; the last one of the process flushes and closes the export (then nothing is recorded). */
  stop(): Promise<void>;
}

/** The service's tracing, or null when OTEL_EXPORTER_OTLP_ENDPOINT is unset (then nothing at all is set up). */
export function startTracing(config: TracingConfig | undefined, service: string, opts: { trustIncoming: boolean; region?: string }): ServiceTracing | null {
  if (!config?.endpoint) return null;
  const reg = acquire({ ...config, endpoint: config.endpoint }, service);
  state = reg;
  const tracer = trace.getTracer(`secrets-kms/${service}`);
  let stopped = false;
  return {
    service,
    serve(req, res, requestId, run) {
      const path = (req.url ?? '/').split('?')[0];
      // Health probes and static files are not worth a trace.
      // GraphQL and a service's internal routes (the KMS's lean on-behalf operations); not health or metrics.
      const route = path === '/graphql' ? '/graphql' : path.startsWith('/internal/') ? '/internal' : null;
      if (route === null || req.method === 'OPTIONS') return run();
      const parent = (opts.trustIncoming ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT).setValue(SERVICE, service);
      const method = req.method ?? 'GET';
      const span = tracer.startSpan(`${method} ${route} ${service}`, {
        kind: SpanKind.SERVER,
        attributes: { [ATTR.service]: service, [ATTR.method]: method, [ATTR.route]: route, [ATTR.requestId]: requestId, ...(opts.region ? { [ATTR.region]: opts.region } : {}) },
      }, parent);
      spanOfResponse.set(res, span);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        span.setAttribute(ATTR.status, res.statusCode);
        if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      };
      res.once('finish', end).once('close', end);
      return context.with(trace.setSpan(parent, span).setValue(SERVER_SPAN, span), run);
    },
    flush: () => reg.provider.forceFlush(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await release(reg);
    },
  };
}

/** Exports every ended span of this process now (tests; a no-op when tracing is off). */
export async function flushTracing(): Promise<void> {
  if (on()) await state!.provider.forceFlush();
}

/** Adds `traceparent` for the active span to an outbound call's headers (nothing when off). */
export function injectTraceContext(headers: Record<string, string>): void {
  if (!on()) return;
  propagation.inject(context.active(), headers);
}

/** The server span of the request being served here, if traced. */
function serverSpan(): Span | undefined {
  if (!on()) return undefined;
  return context.active().getValue(SERVER_SPAN) as Span | undefined;
}

/** Notes attributes (validated ones only: region, operation, root fields) on the request's server span. */
export function noteOnServerSpan(attributes: Record<string, string | number>): void {
  serverSpan()?.setAttributes(attributes);
}

/** Notes the error code an answer carries (shared/http.ts sendError, and Apollo answers). */
export function noteErrorCode(res: ServerResponse | null, code: string): void {
  if (!on()) return;
  const span = (res && spanOfResponse.get(res)) || serverSpan();
  span?.setAttribute(ATTR.errorCode, code);
}

/**
 * Runs an outbound call (secrets → kms) in a client span of the active trace, so the callee's
 * server span hangs under it; `fn` runs directly when tracing is off.
 */
export async function withClientSpan<T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  if (!on()) return fn();
  const span = trace.getTracer('secrets-kms/client').startSpan(name, { kind: SpanKind.CLIENT, attributes });
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    const code = (err as { extensions?: { code?: unknown } })?.extensions?.code;
    if (typeof code === 'string') span.setAttribute(ATTR.errorCode, code);
    throw err;
  } finally {
    span.end();
  }
}

/** Notes the operation's type and root fields, and the answer's first error code, on the server span. */
export function tracingPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      if (!on()) return;
      return {
        async didResolveOperation({ operation, document }) {
          // Field names only (aliases and arguments stay out), the same ones the metrics count.
          if (operation) noteOnServerSpan({ [ATTR.operationType]: operation.operation, [ATTR.rootFields]: rootFields(operation, document).join(',') });
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const code = response.body.singleResult.errors?.[0]?.extensions?.code;
          if (typeof code === 'string') noteErrorCode(null, code);
        },
      };
    },
  };
}
