import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { createServices, type Services } from '../shared/services';
import type { RunningService } from '../shared/subgraphServer';
import { startKmsSubgraph } from '../subgraphs/kms/server';
import { startStack, type Stack } from './support/stack';

/**
 * createSecret with a value calls KMS twice (getKey, then encrypt). With a region whose KMS
 * answers every request after 1.2 s, each call alone fits KMS_TIMEOUT_MS (1.5 s) but both together
 * do not fit the gateway's SUBGRAPH_TIMEOUT_MS (2 s). The two calls share one budget: the caller
 * gets 503 REGION_UNAVAILABLE for the region in time, and no secret is left behind (a retry once
 * the region is fast again creates it, no ALREADY_EXISTS).
 *
 * The region's KMS is a real kms subgraph behind a node:http proxy on the region's port that
 * forwards each request after `delayMs`.
 */
let stack: Stack;
let proxy: http.Server;
let backend: RunningService;
let backendServices: Services;
let delayMs = 0;

beforeAll(async () => {
  stack = await startStack({ label: 'kms-deadline', kms: true, secrets: true });
  const port = stack.kms('eu-west-1').port;
  await stack.stopKms('eu-west-1');
  const config = stack.config({ REGION: 'eu-west-1', KMS_ROOT_KEY: randomBytes(32).toString('base64') });
  backendServices = createServices('kms-eu-west-1-behind-proxy', config);
  backend = await startKmsSubgraph(backendServices, {
    port: 0, host: '127.0.0.1', rootKey: config.kmsRootKey!, sweeper: false,
  });
  const target = new URL(backend.url);
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const out = http.request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      }, delayMs);
    });
    req.on('error', () => undefined);
    res.on('error', () => undefined);
  });
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await backend.stop();
  backendServices.redis.disconnect();
  await stack.stop();
});

const CREATE = `mutation($path: String!) {
  createSecret(input: { path: $path, kmsKeyIdentity: "slow-key", region: "eu-west-1", value: "v1" }) { path currentVersion }
}`;

it('two slow KMS calls of one create share one deadline: 503 REGION_UNAVAILABLE in time, nothing written, retry succeeds', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "slow-key", type: AES256_GCM96 }) { identity } }', {}, { region: 'eu-west-1' });

  delayMs = 1200;
  const started = Date.now();
  const r = await stack.gql(CREATE, { path: 'slow/db' });
  const elapsed = Date.now() - started;
  expect({ status: r.status, code: r.body.errors?.[0].extensions?.code, region: r.body.errors?.[0].extensions?.region }).toEqual({
    status: 503, code: 'REGION_UNAVAILABLE', region: 'eu-west-1',
  });
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(elapsed).toBeLessThan(2000);

  // Let any request the proxy still holds come back: nothing may be written late either.
  await new Promise((res) => setTimeout(res, 1500));
  delayMs = 0;
  expect((await stack.ok('{ secret(path: "slow/db") { path } }')).secret).toBeNull();
  const failed = await stack.ok(
    '{ auditEvents(filter: { action: "secrets.create", resource: "secret:slow/db" }) { nodes { outcome errorCode } } }',
  );
  expect(failed.auditEvents.nodes).toEqual([{ outcome: 'FAILURE', errorCode: 'REGION_UNAVAILABLE' }]);

  const retry = await stack.gql(CREATE, { path: 'slow/db' });
  expect(retry.body.errors).toBeUndefined();
  expect(retry.body.data.createSecret).toEqual({ path: 'slow/db', currentVersion: 1 });
  expect((await stack.ok('{ getSecretValue(path: "slow/db") { value } }')).getSecretValue.value).toBe('v1');
});
