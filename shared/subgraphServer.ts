import 'reflect-metadata';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { RequestContext } from './context';
import { denialsPlugin } from './denialsPlugin';
import type { FeatureGateState } from './featureGates';
import { toApiError } from './errors';
import { guardTypeFields, type TypeScope } from './fieldScopes';
import { SHARED_DESCRIPTIONS } from './graphqlTypes';
import { answerJson, BodyTooLarge, deadlineOf, executeApollo, header, HEADER, MAX_BODY_BYTES, readBody, secretMatcher, sendError, sendJson, serveHttp } from './http';
import { redactForCode } from './redact';
import { pingWithin } from './redis';
import { requestRegion } from './requestRegion';
import { noteCode, noteOperation, notePrincipal, observationPlugin, RequestObserver } from './requestObserver';
import type { Principal } from './principal';
import type { RateVerdict } from './rateLimit';
import type { Services } from './services';
import { statusPlugin } from './statusPlugin';
import { noteOnServerSpan, startTracing, tracingPlugin, ATTR } from './tracing';

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides"])`;

/**
 * A type-graphql schema turned into a Federation 2 subgraph schema (reference resolvers, and any
 * resolver that replaces type-graphql's, go in the map by type and field); `typeScopes` are the
 * read scopes its types' fields need wherever they appear (shared/fieldScopes.ts).
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  resolverMap: Record<string, Record<string, (...args: any[]) => unknown>> = {},
  typeScopes: Record<string, TypeScope> = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true, validate: false });
  // type-graphql builds the root types itself and takes no description for them.
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (root) root.description = SHARED_DESCRIPTIONS[root.name as 'Query' | 'Mutation'];
  }
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [type, fields] of Object.entries(resolverMap)) {
    resolvers[type] = { ...(resolvers[type] ?? {}), ...fields };
  }
  const federated = buildSubgraphSchema({
    typeDefs: gql`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`,
    resolvers: resolvers as any,
  });
  return guardTypeFields(federated, typeScopes);
}

/** The type Apollo answers `accept: application/json` with (its MEDIA_TYPES.APPLICATION_JSON). */
const APPLICATION_JSON = 'application/json; charset=utf-8';

/**
 * Our callers (shared/subgraphTransport.ts: the gateway, kmsClient) send `accept: application/json`: for exactly
 * that value the answer's type is set up front, which spares Apollo's accept negotiation (a
 * Negotiator per request). Any other accept header is still negotiated by Apollo (406 included).
 */
function jsonAnswerPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ request, response }) {
      if (request.http?.headers.get('accept') === 'application/json') response.http.headers.set('content-type', APPLICATION_JSON);
    },
  };
}

export interface SubgraphOptions {
  name: string;
  schema: GraphQLSchema;
  services: Services;
  port: number;
  host?: string;
  /** Region of this process (kms); other subgraphs take it from `x-region`. */
  fixedRegion?: string;
  /**
   * Lets a service accept another principal than a bearer token (e.g. KMS acting for the secrets
   * service on a caller's behalf). Return null to fall back to the bearer token.
   */
  resolvePeer?: (req: IncomingMessage, services: Services, request: PeerRequest) => Promise<PeerIdentity | null>;
  maxBodyBytes?: number;
  /**
   * Every operation of this subgraph checks a feature gate: the rate-limit script reads the
   * caller's gates as it counts the request (one command) instead of one more read afterwards.
   */
  prefetchGates?: boolean;
  /** Non-GraphQL operations for peers acting on a caller's behalf (see InternalRoutes). */
  internal?: InternalRoutes;
}

/**
 * `POST /internal/…` operations of a service, answered without GraphQL: only for a request that
 * passed the internal secret AND a peer check (resolvePeer) for exactly that operation — never a
 * bearer token alone. `run` gets the same RequestContext a resolver would, and answers with the
 * GraphQL response shape (writing the request's denials first, fail closed).
 */
export interface InternalRoutes {
  /** The operation a path names, or null (404). */
  operationOf(path: string): string | null;
  run(operation: string, ctx: RequestContext, body: string): Promise<{ status: number; body: unknown }>;
}

/** What a peer check sees of the request besides its headers: the body decides which operation it is. */
export interface PeerRequest {
  body: string;
  requestId: string;
  region: string;
  /** Set on an internal route: the one operation its path names (the body is then not GraphQL). */
  internalOperation?: string;
}

/** Who a peer acts for; `gates`: the caller's feature gates if the peer check read them beside its own work. */
export interface PeerIdentity {
  principal: Principal;
  via: string;
  gates?: Promise<FeatureGateState>;
}

export interface RunningService {
  name: string;
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
  /** Graceful stop of the HTTP side before stop(): see HttpListener.drain. */
  drain?(graceMs: number): Promise<void>;
}

/**
 * Runs a subgraph: Apollo Server behind a plain node:http server that first checks the internal
 * shared secret (so a subgraph reached directly is no back door), then authenticates the caller.
 */
export async function startSubgraph(opts: SubgraphOptions): Promise<RunningService> {
  const { services, name } = opts;
  const { config, log } = services;
  // Callers are our own gateway and services: their trace context is continued.
  const tracing = startTracing(config.tracing, name, { trustIncoming: true, region: opts.fixedRegion });
  const apollo = new ApolloServer<RequestContext>({
    schema: opts.schema,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // Apollo's CSRF rule passes a request that carries a non-empty custom header (one a browser
    // sends only after a CORS preflight). Every request reaching Apollo here carried the internal
    // secret header, checked before (handle): the rule always held, and its content-type parse
    // per request was pure cost.
    csrfPrevention: false,
    // runService owns SIGTERM/SIGINT; Apollo's own handler would race it and keep the process alive.
    stopOnTerminationSignals: false,
    // No cache hints exist in these schemas (every answer is per caller): the cache-control plugin
    // would only add a hook call to every resolved field (2 of 10 CPU parts of a 1000-item batch).
    plugins: [observationPlugin<RequestContext>(), jsonAnswerPlugin(), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), denialsPlugin(), statusPlugin<RequestContext>(), ...(tracing ? [tracingPlugin<RequestContext>()] : [])],
    // The answer's JSON without a second, joined copy (executeApollo writes it as one buffer).
    stringifyResult: answerJson,
    formatError: (formatted, error) => {
      const safe = toApiError(error);
      const original = error instanceof GraphQLError ? error.originalError : error;
      if (safe.extensions.code === 'INTERNAL_SERVER_ERROR') {
        // Name and throwing frame only: a message can quote request values (plaintext, paths).
        const frame = original instanceof Error ? (original.stack ?? '').split('\n')[1]?.trim().slice(0, 200) : undefined;
        log.error('unhandled error', { err: original instanceof Error ? original.name : 'unknown', at: frame });
        return { message: safe.message, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      // Our own errors and Apollo's request errors are client-facing, minus any input value that
      // graphql-js quotes (shared/redact.ts); anything else (a Redis outage) is replaced by its safe form.
      if (safe === error || safe === original) return { ...formatted, message: redactForCode(formatted.extensions?.code, formatted.message) };
      return { message: safe.message, path: formatted.path, locations: formatted.locations, extensions: safe.extensions };
    },
  });
  await apollo.start();
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const internalSecret = secretMatcher(config.internalSecret);

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const deadline = deadlineOf(req, Date.now());
    const rid = { [HEADER.requestId]: requestId };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health/live') return sendJson(res, 200, { status: 'ok', service: name }, rid);
    if (req.method === 'GET' && path === '/health/ready') {
      if (await pingWithin(services.redis, config.redis.commandTimeoutMs)) return sendJson(res, 200, { status: 'ready', service: name, redis: 'ok' }, rid);
      return sendJson(res, 503, { status: 'unavailable', service: name, redis: 'unreachable' }, rid);
    }
    const internalOperation = path !== '/graphql' && req.method === 'POST' ? opts.internal?.operationOf(path) ?? null : null;
    if (path !== '/graphql' && !internalOperation) return sendJson(res, 404, { error: 'not found' }, rid);
    if (!internalSecret(header(req, HEADER.internalSecret))) {
      return sendError(res, 'UNAUTHENTICATED', 'This service accepts requests only through the gateway', {}, rid);
    }
    let region = opts.fixedRegion;
    if (!region) {
      const asked = requestRegion(req, config.regions);
      if ('error' in asked) return sendError(res, asked.error.code, asked.error.message, { ...asked.error.extensions }, rid);
      region = asked.region;
      noteOnServerSpan({ [ATTR.region]: region });
    }
    let body: string;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      if (e instanceof BodyTooLarge) return sendError(res, 'BAD_USER_INPUT', `Request body exceeds ${maxBody} bytes`, {}, rid);
      throw e;
    }
    let principal: Principal;
    let via: string | null = null;
    let gates: Promise<FeatureGateState> | null = null;
    try {
      const peerRequest: PeerRequest = internalOperation ? { body, requestId, region, internalOperation } : { body, requestId, region };
      const peer = opts.resolvePeer ? await opts.resolvePeer(req, services, peerRequest) : null;
      // Internal routes serve peers only: without an on-behalf-of assertion there is no fallback to the bearer token.
      if (!peer && internalOperation) return sendError(res, 'UNAUTHENTICATED', 'This operation accepts only a peer acting on a caller\'s behalf', {}, rid);
      if (peer) {
        principal = peer.principal;
        via = peer.via;
        gates = peer.gates ?? null;
      } else {
        const auth = await services.tokens.authenticate(header(req, 'authorization'));
        if (!auth.ok) {
          if (auth.project) {
            await services.auditFlow.record({
              action: 'auth.denied', outcome: 'DENIED', actor: auth.tokenId ?? 'unknown', project: auth.project,
              region, resource: `token:${auth.tokenId}`, requestId, errorCode: auth.reason === 'tampered' ? 'RECORD_TAMPERED' : 'UNAUTHENTICATED',
            });
          }
          return sendError(res, 'UNAUTHENTICATED', 'Missing, unknown, expired or revoked token', {}, rid);
        }
        principal = auth.principal;
        // Peers acting on a caller's behalf (secrets → kms) are not counted: the caller's request
        // was counted where it arrived. Refusals are not audited: that would amplify the flood.
        // With prefetchGates the rate-limit script reads the caller's gates too (one command).
        let verdict: RateVerdict;
        if (opts.prefetchGates) {
          const admitted = await services.rateLimiter.admitReadingGates(principal, header(req, HEADER.gatewayRequest));
          verdict = admitted.verdict;
          if (admitted.gates) gates = Promise.resolve(admitted.gates);
        } else verdict = await services.rateLimiter.admit(principal, header(req, HEADER.gatewayRequest));
        if (!verdict.ok) {
          const message = verdict.limit === 'token' ? 'This token is over its request rate; retry later' : "This token's project is over its request rate; retry later";
          return sendError(res, 'RATE_LIMITED', message, { retryAfter: verdict.retryAfterSeconds, limit: verdict.limit },
            { ...rid, 'retry-after': String(verdict.retryAfterSeconds) });
        }
      }
    } catch (err) {
      const safe = toApiError(err);
      return sendError(res, safe.extensions.code as any, safe.message, {}, rid);
    }
    notePrincipal(res, principal.tokenId);
    const ctx = new RequestContext(services, requestId, region, principal, via, deadline);
    if (gates) ctx.primeFeatureGates(gates);
    if (internalOperation && opts.internal) {
      const out = await opts.internal.run(internalOperation, ctx, body);
      noteOperation(res, internalOperation);
      if (tracing) noteOnServerSpan({ [ATTR.rootFields]: internalOperation });
      const code = (out.body as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors?.[0]?.extensions?.code;
      noteCode(res, typeof code === 'string' ? code : 'OK');
      return sendJson(res, out.status, out.body, rid);
    }
    await executeApollo(apollo, req, res, body, async () => ctx, rid);
  };

  const observer = new RequestObserver(services.metrics, config);
  const listener = await serveHttp(handle, { port: opts.port, host: opts.host ?? config.host, log, tracing, observer });
  return {
    name,
    url: listener.url,
    port: listener.port,
    server: listener.server,
    drain: listener.drain,
    async stop() {
      await listener.close();
      await apollo.stop();
      await tracing?.stop();
    },
  };
}
