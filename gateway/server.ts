import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { CircuitBreaker, type BreakerSettings } from '../shared/circuitBreaker';
import type { Config } from '../shared/config';
import { answerJson, BodyTooLarge, executeApollo, header, HEADER, readBody, sendError, sendJson, serveHttp } from '../shared/http';
import { Logger } from '../shared/log';
import { ServiceMetrics } from '../shared/metrics';
import { claimedTokenId, notePrincipal, observationPlugin, RequestObserver } from '../shared/requestObserver';
import { createRedis, type RedisClient } from '../shared/redis';
import { requestRegion } from '../shared/requestRegion';
import { statusPlugin } from '../shared/statusPlugin';
import type { RunningService } from '../shared/subgraphServer';
import { SubgraphTransport } from '../shared/subgraphTransport';
import { ATTR, noteOnServerSpan, startTracing, tracingPlugin } from '../shared/tracing';
import type { GatewayContext } from './context';
import { answerPreflight, corsHeaders } from './cors';
import { RegionalKmsDataSource } from './datasources/RegionalKmsDataSource';
import { SubgraphDataSource } from './datasources/SubgraphDataSource';
import { gatewayFormatError } from './formatError';
import { readiness } from './health';
import { costLimitPlugin } from './plugins/costLimit';
import { LIMITS, limitRules } from './plugins/limits';
import { operationResolutionPlugin } from './plugins/operationResolution';
import { RegionCircuits } from './regionCircuits';
import { staticSite } from './staticSite';
import { loadSupergraphSdl } from './supergraph';

export interface GatewayOptions {
  port: number;
  host?: string;
  /** Composed supergraph SDL; default: schema/supergraph.graphql of the repository. */
  supergraphSdl?: string;
  /** Redis for the readiness check; default: a connection of the gateway's own, closed on stop. */
  redis?: RedisClient;
  /** Pooled keep-alive connections to the subgraphs (default true; off only to measure). */
  keepAlive?: boolean;
  /** Circuit breakers of each region and each global subgraph (tests shorten the reset time). */
  breaker?: BreakerSettings;
  maxBodyBytes?: number;
}

/** The subgraph a supergraph service name maps to: global ones from Config, `kms` per region. */
function serviceBuilder(config: Config, transport: SubgraphTransport, circuits: RegionCircuits, subgraphCircuits: Map<string, CircuitBreaker>, breaker?: BreakerSettings) {
  return ({ name, url }: { name: string; url?: string }): GraphQLDataSource<GatewayContext> => {
    if (name === 'kms') return new RegionalKmsDataSource(config.regions, circuits, transport, config.internalSecret, config.keygenTimeoutMs);
    const target = name === 'platform' ? config.platformUrl : name === 'secrets' ? config.secretsUrl : url;
    if (!target) throw new Error(`no URL for subgraph "${name}"`);
    const circuit = new CircuitBreaker(breaker ? { ...breaker } : undefined);
    subgraphCircuits.set(name, circuit);
    return new SubgraphDataSource(name, target, transport, config.internalSecret, circuit);
  };
}

/** Apollo's logger interface onto ours (Apollo messages carry no request data). */
function apolloLogger(log: Logger) {
  return {
    debug: (m: unknown) => log.debug(String(m).slice(0, 300)),
    info: (m: unknown) => log.info(String(m).slice(0, 300)),
    warn: (m: unknown) => log.warn(String(m).slice(0, 300)),
    error: (m: unknown) => log.error(String(m).slice(0, 300)),
  };
}

/**
 * The public entry point: Apollo Server + Apollo Gateway (static supergraph) behind a plain
 * node:http server that owns request ids, region validation, body limits and health endpoints.
 */
export async function startGateway(config: Config, opts: GatewayOptions): Promise<RunningService> {
  const log = new Logger('gateway', config.logLevel);
  const supergraphSdl = opts.supergraphSdl ?? loadSupergraphSdl();
  const transport = new SubgraphTransport({ timeoutMs: config.subgraphTimeoutMs, keepAlive: opts.keepAlive ?? true });
  const circuits = new RegionCircuits(config.regions, opts.breaker);
  const subgraphCircuits = new Map<string, CircuitBreaker>();
  const ownRedis = !opts.redis;
  const redis = opts.redis ?? createRedis(config.redis);
  if (ownRedis) redis.on('error', () => undefined); // readiness reports it; no log flood
  // The public port: in production /metrics is served only behind METRICS_TOKEN.
  const metrics = new ServiceMetrics('gateway', { ...config.metrics, hidden: config.production && config.metrics.token === null });
  metrics.watchRedis(redis, config.redis.commandTimeoutMs);
  for (const r of config.regions.withKms()) metrics.watchBreaker('region', r.name, circuits.get(r.name)!);

  // The public edge starts every trace itself: a client's traceparent is not continued (README, Tracing).
  const tracing = startTracing(config.tracing, 'gateway', { trustIncoming: false });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: serviceBuilder(config, transport, circuits, subgraphCircuits, opts.breaker),
    logger: apolloLogger(log),
    // Apollo's spans (gateway.request/plan/execute/fetch) carry no document and no exceptions (messages can quote values).
    telemetry: { includeDocument: false, recordExceptions: false },
  });
  // One switch: introspection on (the default outside production, INTROSPECTION=true in it) serves Sandbox too.
  const landingPage = config.introspection
    ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
    : ApolloServerPluginLandingPageDisabled();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // The process entry owns SIGTERM/SIGINT (runService); Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    validationRules: limitRules(),
    parseOptions: { maxTokens: LIMITS.maxTokens },
    // No cache hints: the cache-control plugin would only merge empty policies per request.
    plugins: [observationPlugin<GatewayContext>(), landingPage, ApolloServerPluginCacheControlDisabled(), statusPlugin<GatewayContext>(), operationResolutionPlugin<GatewayContext>(), costLimitPlugin<GatewayContext>(), ...(tracing ? [tracingPlugin<GatewayContext>()] : [])],
    formatError: gatewayFormatError(log),
    // The answer's JSON without a second, joined copy (executeApollo writes it as one buffer).
    stringifyResult: answerJson,
    logger: apolloLogger(log),
  });
  let supergraphLoaded = false;
  try {
    await apollo.start();
    supergraphLoaded = true;
    for (const [name, circuit] of subgraphCircuits) metrics.watchBreaker('subgraph', name, circuit);
  } catch (err) {
    transport.close();
    if (ownRedis) redis.disconnect();
    await tracing?.stop();
    throw err;
  }
  const maxBody = opts.maxBodyBytes ?? LIMITS.maxBodyBytes;
  // The console always; the explorer exposes the schema, so only where introspection is on.
  const serveSite = staticSite({ explorer: config.introspection });

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const receivedAt = Date.now();
    const rid = { [HEADER.requestId]: requestId };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health/live' && req.method === 'GET') return sendJson(res, 200, { status: 'ok', service: 'gateway' }, rid);
    if (path === '/health/ready' && req.method === 'GET') {
      const r = await readiness(redis, () => supergraphLoaded, config.regions, circuits, config.redis.commandTimeoutMs, subgraphCircuits);
      return sendJson(res, r.status === 'ready' ? 200 : 503, r, rid);
    }
    if (serveSite(req, res, path, rid)) return;
    if (path !== '/graphql') return sendJson(res, 404, { error: 'not found' }, rid);
    if (req.method === 'OPTIONS') return answerPreflight(req, res, config.cors, rid);
    const headers = { ...rid, ...corsHeaders(req, config.cors) };
    const region = requestRegion(req, config.regions);
    if ('error' in region) {
      return sendError(res, region.error.code, region.error.message, { ...region.error.extensions }, headers);
    }
    noteOnServerSpan({ [ATTR.region]: region.region });
    let body = '';
    if (req.method === 'POST') {
      try {
        body = await readBody(req, maxBody);
      } catch (e) {
        if (e instanceof BodyTooLarge) return sendError(res, 'BAD_USER_INPUT', `Request body exceeds ${maxBody} bytes`, {}, { ...headers, connection: 'close' });
        throw e;
      }
    }
    notePrincipal(res, claimedTokenId(header(req, 'authorization')));
    const ctx: GatewayContext = { requestId, region: region.region, authorization: header(req, 'authorization'), gatewayRequestId: randomUUID(), deadline: receivedAt + config.requestTimeoutMs };
    await executeApollo(apollo, req, res, body, async () => ctx, headers);
  };

  const listener = await serveHttp(handle, { port: opts.port, host: opts.host ?? config.host, log, tracing, observer: new RequestObserver(metrics, config) });
  return {
    name: 'gateway',
    url: listener.url,
    port: listener.port,
    server: listener.server,
    drain: listener.drain,
    async stop() {
      supergraphLoaded = false;
      await listener.close();
      await apollo.stop();
      transport.close();
      if (ownRedis) redis.disconnect();
      await tracing?.stop();
    },
  };
}
