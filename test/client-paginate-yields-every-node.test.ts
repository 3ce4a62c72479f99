import { createClient, type SecretsKmsClient } from '../client/src';
import { startStack, type Stack } from './support/stack';

/** `client.paginate.<field>` walks every page of a connection: all nodes, in order, none twice. */
let stack: Stack;
let client: SecretsKmsClient;
const requests: string[] = [];
beforeAll(async () => {
  stack = await startStack({ label: 'client-paginate', kms: true, secrets: true });
  client = createClient({
    url: stack.gatewayUrl,
    token: stack.rootToken,
    fetch: (input, init) => {
      requests.push(String(init.body));
      return fetch(input, init);
    },
  });
});
afterAll(async () => stack?.stop());

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('kmsKeys and secrets: 7 items in pages of 3 come back in order, once each, in 3 requests', async () => {
  const identities = Array.from({ length: 7 }, (_, i) => `key-${i}`);
  for (const identity of identities) await client.createKmsKey({ input: { identity, type: 'AES128_GCM96' } });
  const paths = Array.from({ length: 7 }, (_, i) => `app/s${i}`);
  for (const path of paths) await client.createSecret({ input: { path, kmsKeyIdentity: 'key-0' } });

  const firstPage = await client.kmsKeys({ first: 3 });
  expect(firstPage.nodes).toHaveLength(3);
  expect(firstPage.pageInfo.hasNextPage).toBe(true);

  requests.length = 0;
  const keys = await all(client.paginate.kmsKeys({ first: 3 }));
  expect(requests).toHaveLength(3);
  expect(keys.map((k) => k.identity)).toEqual((await client.kmsKeys({ first: 50 })).nodes.map((k) => k.identity));
  expect(keys.map((k) => k.identity).sort()).toEqual(identities);

  const secrets = await all(client.paginate.secrets({ pathPrefix: 'app/', first: 3 }));
  expect(secrets.map((s) => s.path)).toEqual(paths);
  expect(secrets[0].kmsKey).toEqual({ region: 'us-east-1', identity: 'key-0', status: 'ACTIVE' });
});

test('auditEvents: every event once, newest first, across pages of 2', async () => {
  const pages = await all(client.paginate.auditEvents({ filter: { action: 'kms.create_key' }, first: 2 }));
  expect(pages).toHaveLength(7);
  expect(new Set(pages.map((e) => e.id)).size).toBe(7);
  expect(pages.map((e) => e.resource)).toEqual(Array.from({ length: 7 }, (_, i) => `kms-key:us-east-1/key-${6 - i}`));
});

test('stopping early sends no further request', async () => {
  requests.length = 0;
  for await (const key of client.paginate.kmsKeys({ first: 2 })) {
    expect(key.identity).toBe('key-0');
    break;
  }
  expect(requests).toHaveLength(1);
});
