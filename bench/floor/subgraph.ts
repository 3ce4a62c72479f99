/*
 * Floor (a): a bare `@apollo/server` subgraph (buildSubgraphSchema, so a gateway can compose it)
 * whose mutation does exactly one Redis HMGET of a key record and one AES-256-GCM encrypt of its
 * input with a random 12-byte IV. Nothing else: no auth, no audit, no limits. It is the ceiling a
 * subgraph doing our encrypt's essential work can reach on this machine.
 *
 * Forked by bench/run.ts with one JSON argument {redisUrl, keyPrefix, broken?}; tells its parent
 * {cmd: 'ready', url} over IPC and exits when the parent goes away.
 */
import '../../shared/telemetryOff';
import { createCipheriv, randomBytes } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError } from 'graphql';
import { createRedis } from '../../shared/redis';
import { exitWithParent } from '../procs';
import { FLOOR_TYPE_DEFS, floorKeyRecord } from './schema';

interface FloorArgs {
  redisUrl: string;
  keyPrefix: string;
  /** Only for the harness's own test: every answer is a GraphQL error, which the harness must catch. */
  broken?: boolean;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as FloorArgs;
  const redis = createRedis({ url: args.redisUrl, clusterNodes: null, keyPrefix: args.keyPrefix, commandTimeoutMs: 5000 });
  const resolvers = {
    Query: { floorHealth: () => 'ok' },
    Mutation: {
      floorEncrypt: async (_: unknown, { keyId, plaintext }: { keyId: string; plaintext: string }) => {
        if (args.broken) throw new GraphQLError('floor broken on purpose', { extensions: { code: 'FLOOR_BROKEN' } });
        const [material, status] = await redis.hmget(floorKeyRecord(keyId), 'material', 'status');
        if (!material || status !== 'ACTIVE') throw new GraphQLError('no such key', { extensions: { code: 'NOT_FOUND' } });
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', Buffer.from(material, 'base64'), iv);
        const ct = Buffer.concat([cipher.update(Buffer.from(plaintext, 'base64')), cipher.final()]);
        return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64');
      },
    },
  };
  const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs: FLOOR_TYPE_DEFS, resolvers }]) });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  process.send?.({ cmd: 'ready', url });
}

exitWithParent();
main().catch((err: Error) => {
  process.stderr.write(`floor subgraph failed: ${err.message}\n`);
  process.exit(1);
});
