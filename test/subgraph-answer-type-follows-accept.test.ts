import { testConfig } from './support/env';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';

/**
 * A subgraph's answer type: our callers' `accept: application/json` is answered as JSON without a
 * negotiation (shared/subgraphServer.ts); any other accept header is still negotiated by Apollo,
 * 406 included. Its CSRF check is off behind the internal secret: a browser's simple POST (no
 * custom header, text/plain) never reaches Apollo.
 */
let h: KmsHarness;
beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'sg-accept'));
});
afterAll(async () => h.stop());

const post = (headers: Record<string, string>) =>
  fetch(`${h.url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.config.rootToken}`, 'x-internal-secret': h.config.internalSecret, ...headers },
    body: JSON.stringify({ query: Q.get, variables: { id: 'none' } }),
  });

it.each([
  ['application/json', 'application/json; charset=utf-8'],
  ['application/graphql-response+json', 'application/graphql-response+json; charset=utf-8'],
  ['application/json, application/graphql-response+json;q=0.5', 'application/json; charset=utf-8'],
  ['*/*', 'application/json; charset=utf-8'],
])('accept %s is answered as %s', async (accept, type) => {
  const res = await post({ accept });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(type);
  expect(await res.json()).toEqual({ data: { kmsKey: null } });
});

it('an accept header without a JSON type is 406', async () => {
  const res = await post({ accept: 'text/html' });
  expect(res.status).toBe(406);
});

it("a browser's simple POST (text/plain, no internal secret) is refused before GraphQL", async () => {
  const res = await fetch(`${h.url}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: Q.get, variables: { id: 'none' } }) });
  expect(res.status).toBe(401);
  expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
});
