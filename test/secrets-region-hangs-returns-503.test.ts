import net from 'node:net';
import { startStack, type Stack } from './support/stack';

/**
 * A region that accepts connections and never answers: the secrets service's KMS call gives up
 * before the gateway gives up on the secrets service, so the caller sees REGION_UNAVAILABLE for
 * the secret's region (with Retry-After), not a generic timeout.
 */
let stack: Stack;
let blackHole: net.Server | null = null;
const held = new Set<net.Socket>();
beforeAll(async () => {
  stack = await startStack({ label: 'hang', kms: true, secrets: true });
});
afterAll(async () => {
  for (const s of held) s.destroy();
  if (blackHole) await new Promise((r) => blackHole!.close(r));
  await stack.stop();
});

it('reveal and put on a secret whose region hangs → 503 REGION_UNAVAILABLE within the gateway timeout; metadata still reads', async () => {
  await stack.ok('mutation { createKmsKey(input: { identity: "hang-key", type: AES256_GCM96 }) { identity } }', {}, { region: 'eu-west-1' });
  await stack.ok('mutation { createSecret(input: { path: "hang/db", kmsKeyIdentity: "hang-key", region: "eu-west-1", value: "v1" }) { path } }');

  const port = stack.kms('eu-west-1').port;
  await stack.stopKms('eu-west-1');
  blackHole = net.createServer((sock) => {
    held.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => blackHole!.listen(port, '127.0.0.1', () => r()));

  for (const [query, field] of [
    ['{ getSecretValue(path: "hang/db") { value } }', 'getSecretValue'],
    ['mutation { putSecretValue(input: { path: "hang/db", value: "v2" }) { version } }', 'putSecretValue'],
  ] as const) {
    const started = Date.now();
    const r = await stack.gql(query);
    const elapsed = Date.now() - started;
    expect({ field, status: r.status, code: r.body.errors?.[0].extensions?.code, region: r.body.errors?.[0].extensions?.region }).toEqual({
      field, status: 503, code: 'REGION_UNAVAILABLE', region: 'eu-west-1',
    });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(2000 + 500);
  }
  const meta = await stack.gql('{ secret(path: "hang/db") { path region currentVersion } }');
  expect(meta.status).toBe(200);
  expect(meta.body.data.secret).toEqual({ path: 'hang/db', region: 'eu-west-1', currentVersion: 1 });
});
