import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gqlTag from 'graphql-tag';
import { CREATE_KEY } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

/**
 * `_entities` fetches for KmsKey go to the KMS of each representation's region. A test-only
 * `catalog` subgraph hands out KmsKey references the way `Secret.kmsKey` will: { region, identity }.
 */
const REFS = [
  { region: 'us-east-1', identity: 'same-name' },
  { region: 'eu-west-1', identity: 'same-name' },
  { region: 'us-east-1', identity: 'only-us' },
  { region: 'ap-southeast-2', identity: 'no-kms-there' },
  { region: 'eu-west-1', identity: 'only-eu' },
  { region: 'mars-north-1', identity: 'unknown-region' },
];

async function startCatalog() {
  const typeDefs = gqlTag`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type KmsKey @key(fields: "region identity", resolvable: false) { region: String! identity: String! }
    type Query { keyRefs: [KmsKey]! }
  `;
  const schema = buildSubgraphSchema({ typeDefs, resolvers: { Query: { keyRefs: () => REFS } } as any });
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { name: 'catalog', url, schema, stop: () => server.stop() };
}

describe('KmsKey _entities split by region', () => {
  let stack: Stack;
  let catalog: Awaited<ReturnType<typeof startCatalog>>;
  const QUERY = '{ keyRefs { region identity type } }';

  beforeAll(async () => {
    catalog = await startCatalog();
    stack = await startStack({ label: 'rg-entities', kms: true, subgraphs: [catalog] });
    const make = async (region: string, identity: string, type: string) => {
      const r = await stack.gql(CREATE_KEY, { identity, type }, { region });
      expect(r.status).toBe(200);
    };
    await make('us-east-1', 'same-name', 'AES128_GCM96');
    await make('eu-west-1', 'same-name', 'CHACHA20_POLY1305');
    await make('us-east-1', 'only-us', 'HMAC_SHA256');
    await make('eu-west-1', 'only-eu', 'ED25519');
  });
  afterAll(async () => {
    await stack?.stop();
    await catalog?.stop();
  });

  it('resolves every reference in its own region and keeps the order', async () => {
    const r = await stack.gql(QUERY, {}, { region: 'us-east-1' });
    expect(r.body.data.keyRefs).toEqual([
      { region: 'us-east-1', identity: 'same-name', type: 'AES128_GCM96' },
      { region: 'eu-west-1', identity: 'same-name', type: 'CHACHA20_POLY1305' },
      { region: 'us-east-1', identity: 'only-us', type: 'HMAC_SHA256' },
      null,
      { region: 'eu-west-1', identity: 'only-eu', type: 'ED25519' },
      null,
    ]);
    // Only the region without a KMS reports an error; the unknown region is simply null.
    expect(r.status).toBe(200);
    expect(r.body.errors).toEqual([
      expect.objectContaining({ path: ['keyRefs', 3], extensions: expect.objectContaining({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' }) }),
    ]);
  });

  it('the request region does not matter for references', async () => {
    const r = await stack.gql(QUERY, {}, { region: 'ap-southeast-2' });
    expect(r.body.data.keyRefs[1]).toEqual({ region: 'eu-west-1', identity: 'same-name', type: 'CHACHA20_POLY1305' });
    expect(r.body.data.keyRefs[2]).toEqual({ region: 'us-east-1', identity: 'only-us', type: 'HMAC_SHA256' });
  });

  it('one region down → only its entities are null, each with REGION_UNAVAILABLE; the others resolve', async () => {
    await stack.stopKms('eu-west-1');
    try {
      const r = await stack.gql(QUERY);
      expect(r.status).toBe(200);
      expect(r.body.data.keyRefs).toEqual([
        { region: 'us-east-1', identity: 'same-name', type: 'AES128_GCM96' },
        null,
        { region: 'us-east-1', identity: 'only-us', type: 'HMAC_SHA256' },
        null,
        null,
        null,
      ]);
      const byPath = Object.fromEntries((r.body.errors ?? []).map((e: any) => [JSON.stringify(e.path), [e.extensions.code, e.extensions.region]]));
      expect(byPath).toEqual({
        '["keyRefs",1]': ['REGION_UNAVAILABLE', 'eu-west-1'],
        '["keyRefs",3]': ['REGION_UNAVAILABLE', 'ap-southeast-2'],
        '["keyRefs",4]': ['REGION_UNAVAILABLE', 'eu-west-1'],
      });
      expect(r.elapsedMs).toBeLessThan(2500);
    } finally {
      await stack.restartKms('eu-west-1');
    }
  });

  it('an auth failure in the entity fetch keeps its code (not swallowed by the split)', async () => {
    const r = await stack.gql(QUERY, {}, { token: 'smk_0123456789abcdef_' + 'A'.repeat(43) });
    expect(r.body.data.keyRefs.filter((k: unknown) => k !== null)).toEqual([]);
    expect(r.body.errors?.map((e: any) => e.extensions.code)).toContain('UNAUTHENTICATED');
  });
});
