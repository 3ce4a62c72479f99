/*
 * Floor (b) and (c): `@apollo/gateway` in front of the floor subgraph (a), its supergraph composed
 * with @apollo/composition at start-up.
 *   (b) stock: the gateway's default data source, no agent options;
 *   (c) keep-alive: RemoteGraphQLDataSource with a fetcher over an undici keep-alive Agent.
 * Served by `@apollo/server`'s standalone server like any Apollo gateway out of the box.
 *
 * Forked by bench/run.ts with one JSON argument {subgraphUrl, keepAlive}; tells its parent
 * {cmd: 'ready', url} over IPC and exits when the parent goes away.
 */
import '../../shared/telemetryOff';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Agent, fetch as undiciFetch } from 'undici';
import { exitWithParent } from '../procs';
import { FLOOR_TYPE_DEFS } from './schema';

interface FloorGatewayArgs {
  subgraphUrl: string;
  keepAlive: boolean;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as FloorGatewayArgs;
  const composed = composeServices([{ name: 'floor', url: args.subgraphUrl, typeDefs: FLOOR_TYPE_DEFS }]);
  if (composed.errors) throw new Error(`floor composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  let gateway: ApolloGateway;
  if (args.keepAlive) {
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
    const fetcher = ((url: string, init: Record<string, unknown>) => undiciFetch(url, { ...init, dispatcher: agent } as never)) as never;
    gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl, buildService: ({ url }) => new RemoteGraphQLDataSource({ url, fetcher }) });
  } else {
    gateway = new ApolloGateway({ supergraphSdl: composed.supergraphSdl });
  }
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  process.send?.({ cmd: 'ready', url });
}

exitWithParent();
main().catch((err: Error) => {
  process.stderr.write(`floor gateway failed: ${err.message}\n`);
  process.exit(1);
});
