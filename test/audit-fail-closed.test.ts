import { startStack, type Stack } from './support/stack';
import { TcpProxy } from './support/tcpProxy';

/** The audit log is fail-closed: no audit event, no success. */
describe('audit fail-closed', () => {
  let stack: Stack;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) }).start();
    stack = await startStack({ label: 'failclosed', redisUrls: { platform: proxy.url }, env: { REDIS_COMMAND_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await stack.stop();
    await proxy.cut();
  });

  it('Redis unreachable → 503 STORE_UNAVAILABLE, nothing returned as success; back when Redis is', async () => {
    const ok = await stack.gql('mutation { createApiToken(input: { name: "before", scopes: ["audit:read"] }) { token } }');
    expect(ok.status).toBe(200);
    await proxy.cut();
    const started = Date.now();
    const r = await stack.gql('mutation { createApiToken(input: { name: "during", scopes: ["audit:read"] }) { token } }');
    expect(r.status).toBe(503);
    expect(r.body.errors?.[0].extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(r.body.data?.createApiToken ?? null).toBeNull();
    expect(Date.now() - started).toBeLessThan(5000);
    const q = await stack.gql('{ auditEvents { nodes { id } } }');
    expect(q.status).toBe(503);
    await proxy.restore();
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      back = (await stack.gql('{ auditEvents(first: 1) { nodes { id } } }')).status;
      if (back !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    expect(back).toBe(200);
  });

  it('an audit append that fails fails the operation with STORE_UNAVAILABLE (damaged stream)', async () => {
    const platform = stack.services.get('platform')!;
    // Make the project's audit stream unwritable: a key of the wrong type where the stream lives.
    await platform.redis.set('audit:{broken-audit}', 'not a stream');
    const admin = await platform.tokens.create({ name: 'a', project: 'broken-audit', scopes: ['admin'], pathPrefixes: null, expiresAt: null });
    const r = await stack.gql('mutation { createApiToken(input: { name: "x", scopes: ["admin"] }) { token } }', {}, { token: admin.token });
    expect(r.status).toBe(503);
    expect(r.body.errors?.[0].extensions?.code).toBe('STORE_UNAVAILABLE');
    expect(JSON.stringify(r.body)).not.toMatch(/smk_/);
  });
});
