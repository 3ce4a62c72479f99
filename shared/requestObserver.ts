import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { AccessLog, loggableOperationName } from './accessLog';
import type { Config } from './config';
import { httpStatusFor, isErrorCode } from './errors';
import type { ServiceMetrics } from './metrics';

/**
 * What one GraphQL request is counted and logged as, filled in along the way: serveHttp starts it,
 * sendError or the Apollo plugin below sets the code, the Apollo plugin the operation, the
 * subgraph server (or the gateway) the principal; when the answer is done (or the connection
 * closed) it becomes one sample of the request metrics and one access-log line.
 */
interface Observation {
  requestId: string;
  started: number;
  /** Metric label: the one root field, "multiple", or null (then "invalid" once Apollo saw it, else "unknown"). */
  operation: string | null;
  /** Access log: every root field, sorted, comma-joined. */
  fields: string | null;
  operationName: string | null;
  reachedApollo: boolean;
  code: string | null;
  principal: string | null;
}

const byResponse = new WeakMap<ServerResponse, Observation>();
/** Keyed by the HTTPGraphQLRequest handed to Apollo: the plugin sees it as `request.http` (Apollo clones the context). */
const byRequest = new WeakMap<object, Observation>();

/** The answer's error code (sendError): the first one set wins. */
export function noteCode(res: ServerResponse, code: string): void {
  const o = byResponse.get(res);
  if (o && o.code === null) o.code = code;
}

/** The operation of a request answered without GraphQL (an internal route): a name fixed by the code. */
export function noteOperation(res: ServerResponse, operation: string): void {
  const o = byResponse.get(res);
  if (!o) return;
  o.reachedApollo = true;
  o.operation = operation;
  o.fields = operation;
}

/** Who is calling, as viewer.id names them (a token id or `root`); never the token. */
export function notePrincipal(res: ServerResponse, id: string | null): void {
  const o = byResponse.get(res);
  if (o) o.principal = id;
}

/** Lets the Apollo plugin find the request's observation (executeApollo). */
export function linkRequest(res: ServerResponse, httpRequest: object): void {
  const o = byResponse.get(res);
  if (o) byRequest.set(httpRequest, o);
}

const TOKEN_ID_RE = /^Bearer smk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;
/** The token id an API token names (the gateway does not authenticate: the subgraphs' lines carry the verified one). */
export function claimedTokenId(authorization: string | undefined): string | null {
  const m = authorization === undefined ? null : TOKEN_ID_RE.exec(authorization);
  return m ? m[1] : null;
}

/** A code from the answer as a label: API.md's codes and Apollo's own; anything else is "OTHER". */
function boundedCode(code: unknown): string {
  if (isErrorCode(code)) return code;
  return typeof code === 'string' && httpStatusFor(code) !== 500 ? code : 'OTHER';
}

/**
 * Root field names of the operation (through fragments), sorted. Apollo resolves the operation
 * after validation, so every name is a field of the schema's root type: a finite set.
 */
export function rootFields(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const sels = operation.selectionSet.selections;
  if (sels.length === 1 && sels[0].kind === Kind.FIELD) return [sels[0].name.value];
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const def = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value);
        if (def && def.kind === Kind.FRAGMENT_DEFINITION) walk(def.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...out].sort();
}

/** Fills in the operation and the answer's code; first in the plugin list, so it sees refusals by later plugins. */
export function observationPlugin<T extends BaseContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      const o = request.http ? byRequest.get(request.http) : undefined;
      if (!o) return;
      o.reachedApollo = true;
      return {
        async didResolveOperation({ operation, document }) {
          if (!operation) return;
          const fields = rootFields(operation, document);
          o.operation = fields.length === 1 ? fields[0] : fields.length > 1 ? 'multiple' : null;
          o.fields = fields.join(',');
          o.operationName = loggableOperationName(operation.name?.value);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          o.code = errors && errors.length > 0 ? boundedCode(errors[0].extensions?.code) : 'OK';
        },
      };
    },
  };
}

/** One per service: counts and logs its /graphql requests, and serves its /metrics. */
export class RequestObserver {
  private readonly accessLog: AccessLog | null;

  constructor(private readonly metrics: ServiceMetrics, config: Pick<Config, 'accessLog'>) {
    this.accessLog = config.accessLog ? new AccessLog(metrics.service) : null;
  }

  /** Called by serveHttp first: answers GET /metrics (true), else starts observing a /graphql request. */
  handled(req: IncomingMessage, res: ServerResponse, requestId: string): boolean {
    const url = req.url ?? '/';
    if (url === '/metrics' && req.method === 'GET') {
      this.metrics.serve(req, res).catch(() => res.destroy());
      return true;
    }
    const graphql = url.startsWith('/graphql') && (url.length === 8 || url[8] === '?');
    // A service's internal routes (the KMS's lean on-behalf operations) are requests like any other.
    if (!graphql && !url.startsWith('/internal/')) return false;
    if (!this.accessLog && !this.metrics.enabled) return false;
    const o: Observation = { requestId, started: performance.now(), operation: null, fields: null, operationName: null, reachedApollo: false, code: null, principal: null };
    byResponse.set(res, o);
    res.once('close', () => this.done(res, o));
    return false;
  }

  private done(res: ServerResponse, o: Observation): void {
    const seconds = (performance.now() - o.started) / 1000;
    // An answer cut short (client gone, connection dropped) has no status the client saw.
    const status = res.writableFinished ? res.statusCode : 499;
    const code = o.code ?? (status < 400 ? 'OK' : 'OTHER');
    const operation = o.operation ?? (o.reachedApollo ? 'invalid' : 'unknown');
    if (this.metrics.enabled) this.metrics.request(operation, code, status, seconds);
    this.accessLog?.write({
      requestId: o.requestId,
      operation: o.fields ?? operation,
      operationName: o.operationName,
      status,
      code,
      durationMs: Math.round(seconds * 10_000) / 10,
      principal: code === 'UNAUTHENTICATED' ? null : o.principal,
    });
  }
}
