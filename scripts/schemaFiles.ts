import 'reflect-metadata';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { buildPlatformSchema } from '../subgraphs/platform/server';
import { buildKmsSchema } from '../subgraphs/kms/server';
import { buildSecretsSchema } from '../subgraphs/secrets/server';

/**
 * The subgraphs of the supergraph. URLs here are names only: the gateway resolves the real
 * endpoints from config (and, for kms, from the region registry per request).
 */
export const SUBGRAPHS: { name: string; url: string; build: () => Promise<GraphQLSchema> }[] = [
  { name: 'platform', url: 'http://platform.subgraph.internal/graphql', build: buildPlatformSchema },
  // One kms deployment per region: the gateway picks the region's URL from the region registry.
  { name: 'kms', url: 'http://kms.regional.internal/graphql', build: () => buildKmsSchema() },
  { name: 'secrets', url: 'http://secrets.subgraph.internal/graphql', build: () => buildSecretsSchema() },
];

/**
 * Renders schema/<name>.graphql for every subgraph, the composed schema/supergraph.graphql, and
 * schema/api.graphql: the API schema the gateway exposes (no join__/link machinery), which is
 * what clients and the client's code generator read.
 */
export async function renderSchemaFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const services = [];
  for (const s of SUBGRAPHS) {
    const sdl = printSubgraphSchema(await s.build());
    files[`${s.name}.graphql`] = sdl.endsWith('\n') ? sdl : sdl + '\n';
    services.push({ name: s.name, url: s.url, typeDefs: gql(sdl) });
  }
  const composed = composeServices(services);
  if (composed.errors) {
    throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  }
  files['supergraph.graphql'] = composed.supergraphSdl.endsWith('\n') ? composed.supergraphSdl : composed.supergraphSdl + '\n';
  // Sorted so the file only changes when the API does, not when a subgraph reorders its types.
  const api = printSchema(lexicographicSortSchema(composed.schema.toAPISchema().toGraphQLJSSchema()));
  files['api.graphql'] = api.endsWith('\n') ? api : api + '\n';
  return files;
}
