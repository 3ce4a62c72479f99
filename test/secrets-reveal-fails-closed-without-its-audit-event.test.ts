import { startStack, type Stack } from './support/stack';
import { TcpProxy } from './support/tcpProxy';

/**
 * Fail-closed audit in the secrets subgraph itself: the secrets.get_value event is written before
 * the value is returned. Here KMS decrypts successfully (and records kms.decrypt), then the
 * secrets subgraph loses Redis before it can write its own event: the caller gets 503
 * STORE_UNAVAILABLE and never the value.
 */
let stack: Stack;
let proxy: TcpProxy;
beforeAll(async () => {
  proxy = await new TcpProxy({ host: '127.0.0.1', port: 6379 }).start();
  stack = await startStack({ label: 'sec-failclosed', kms: true, secrets: true, redisUrls: { secrets: proxy.url }, env: { REDIS_COMMAND_TIMEOUT_MS: '500' } });
  await stack.ok(`mutation { createKmsKey(input: { identity: "fc", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "fc/s", kmsKeyIdentity: "fc", value: "MUST-NOT-LEAK" }) { path } }`);
});
afterAll(async () => {
  await stack?.stop();
  await proxy?.cut();
});

test('Redis lost between KMS decrypt and the secrets.get_value event → 503, no value', async () => {
  // The moment the decrypt reaches KMS, the secrets subgraph's Redis goes away.
  const kms = stack.kms('us-east-1').server;
  const onRequest = () => void proxy.cut();
  kms.once('request', onRequest);
  const rid = 'failclosed-0001';
  let r;
  try {
    r = await stack.gql(`{ getSecretValue(path: "fc/s") { value } }`, {}, { headers: { 'x-request-id': rid } });
  } finally {
    kms.off('request', onRequest);
    await proxy.restore();
  }
  expect(r.status).toBe(503);
  expect(r.body.errors?.[0].extensions?.code).toBe('STORE_UNAVAILABLE');
  expect(JSON.stringify(r.body)).not.toContain('MUST-NOT-LEAK');

  // KMS did decrypt (its event is there); the secrets event is not, and no value left.
  const events = (await stack.ok(`query($r: String!) { auditEvents(filter: { requestId: $r }, after: null) { nodes { action outcome } } }`, { r: rid })).auditEvents.nodes;
  expect(events).toContainEqual({ action: 'kms.decrypt', outcome: 'SUCCESS' });
  expect(events.find((e: any) => e.action === 'secrets.get_value' && e.outcome === 'SUCCESS')).toBeUndefined();

  // Redis back: the same reveal works and is audited.
  let value: string | undefined;
  for (let i = 0; i < 40 && value === undefined; i++) {
    const again = await stack.gql(`{ getSecretValue(path: "fc/s") { value } }`);
    value = again.body.data?.getSecretValue?.value;
    if (value === undefined) await new Promise((res) => setTimeout(res, 100));
  }
  expect(value).toBe('MUST-NOT-LEAK');
});
