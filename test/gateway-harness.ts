/**
 * Shared setup of the gateway and region tests (not a test itself): one set of secrets and one
 * Redis key prefix for every service of a scenario, real subgraphs on free ports, composition
 * of the supergraph from the running subgraphs' schemas, and a small HTTP client.
 */
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { randomBytes } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import type { Config } from '../shared/config';
import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { buildPlatformSchema, startPlatformSubgraph } from '../subgraphs/platform/server';
import { testConfig, testPrefix } from './support/env';

export type Env = Record<string, string>;

/** Secrets and key prefix shared by every service of one scenario (tokens live in one Redis namespace). */
export function scenarioEnv(label: string): Env {
  return {
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    ROOT_TOKEN: randomBytes(32).toString('base64url'),
    SERVICE_CREDENTIAL: randomBytes(32).toString('base64url'),
    REDIS_KEY_PREFIX: testPrefix(label),
  };
}

export function configFor(env: Env, extra: Record<string, string | undefined> = {}): Config {
  return testConfig({ ...env, ...extra });
}

export interface StartedSubgraph {
  running: RunningService;
  services: Services;
  stop(): Promise<void>;
}

export async function startPlatform(env: Env, port = 0): Promise<StartedSubgraph> {
  const services = createServices('platform', configFor(env));
  const running = await startPlatformSubgraph(services, { port });
  return { running, services, stop: async () => { await running.stop(); services.redis.disconnect(); } };
}

export interface SubgraphForComposition {
  name: string;
  url: string;
  schema: GraphQLSchema;
}

/** Composes a supergraph the way scripts/schema.ts does, from live subgraph schemas. */
export function composeSupergraph(subgraphs: SubgraphForComposition[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(printSubgraphSchema(s.schema)) })));
  if (result.errors) throw new Error('composition failed: ' + result.errors.map((e) => e.message).join('; '));
  return result.supergraphSdl;
}

export async function platformForComposition(url = 'http://127.0.0.1:1/graphql'): Promise<SubgraphForComposition> {
  return { name: 'platform', url, schema: await buildPlatformSchema() };
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  json: any;
  elapsedMs: number;
}

export interface GqlOptions {
  token?: string | null;
  region?: string;
  requestId?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** POST /graphql as a client would. */
export async function gql(url: string, query: string, opts: GqlOptions = {}): Promise<GqlResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.region !== undefined) headers['x-region'] = opts.region;
  if (opts.requestId !== undefined) headers['x-request-id'] = opts.requestId;
  const t0 = Date.now();
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = { raw: text };
  }
  return { status: res.status, headers: res.headers, json, elapsedMs: Date.now() - t0 };
}

/** A port that nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A test-only subgraph (`probe`) for what the real ones cannot show on demand: a nullable root
 * field failing with any code and extension (partial data, extension pass-through), the headers
 * the gateway forwards, and a slow answer.
 */
export async function startProbeSubgraph(): Promise<{ url: string; schema: GraphQLSchema; stop(): Promise<void> }> {
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { buildSubgraphSchema } = await import('@apollo/subgraph');
  const { GraphQLError } = await import('graphql');
  const gqlTag = (await import('graphql-tag')).default;
  const typeDefs = gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type ForwardedHeaders { authorization: String, requestId: String, region: String, internalSecret: String }
    type Query {
      probeFail(code: String!, key: String, value: String): String
      probeHeaders: ForwardedHeaders
      probeSlow(ms: Int!): String
    }
  `;
  const resolvers = {
    Query: {
      probeFail: (_: unknown, a: { code: string; key?: string; value?: string }) => {
        throw new GraphQLError(`probe failed with ${a.code}`, { extensions: { code: a.code, ...(a.key ? { [a.key]: a.value } : {}) } });
      },
      probeHeaders: (_: unknown, __: unknown, ctx: { headers: Record<string, string | undefined> }) => ({
        authorization: ctx.headers.authorization ?? null,
        requestId: ctx.headers['x-request-id'] ?? null,
        region: ctx.headers['x-region'] ?? null,
        internalSecret: ctx.headers['x-internal-secret'] ?? null,
      }),
      probeSlow: async (_: unknown, a: { ms: number }) => {
        await new Promise((r) => setTimeout(r, a.ms));
        return 'slow';
      },
    },
  };
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as any });
  const server = new ApolloServer({ schema, includeStacktraceInErrorResponses: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers as Record<string, string | undefined> }),
  });
  return { url, schema, stop: () => server.stop() };
}
