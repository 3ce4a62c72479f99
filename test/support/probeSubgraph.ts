import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import gqlTag from 'graphql-tag';
import type { ExtraSubgraph } from './localStack';

/**
 * A test-only subgraph (`probe`) for what the real ones cannot show on demand: a nullable root
 * field failing with any code and extension (partial data, extension pass-through), the headers
 * the gateway forwards, and a slow answer. Pass it to startStack({ subgraphs: [probe] }).
 */
export async function startProbeSubgraph(): Promise<ExtraSubgraph & { stop(): Promise<void> }> {
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
  return { name: 'probe', url, schema, stop: () => server.stop() };
}
