import { freePorts } from './support/ports';
import { startLocalGateway, startStack, type Stack } from './support/stack';

describe('gateway health endpoints', () => {
  let stack: Stack;
  const base = (s: Stack) => s.gatewayUrl.replace(/\/graphql$/, '');
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-health' });
  });
  afterAll(async () => stack?.stop());

  it('live: 200; ready: 200 with every region, its KMS endpoint (configured/none) and circuit state', async () => {
    const live = await fetch(base(stack) + '/health/live');
    expect(live.status).toBe(200);
    const ready = await fetch(base(stack) + '/health/ready');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as any;
    expect(body).toMatchObject({ status: 'ready', redis: 'ok', supergraph: 'loaded' });
    expect(body.regions).toEqual([
      { name: 'us-east-1', default: true, kms: 'configured', circuit: 'closed' },
      { name: 'eu-west-1', default: false, kms: 'configured', circuit: 'closed' },
      { name: 'ap-southeast-2', default: false, kms: 'none', circuit: 'none' },
    ]);
    // Internal topology stays inside.
    expect(JSON.stringify(body)).not.toContain('127.0.0.1');
  });

  it('ready: 503 when Redis is unreachable (live stays 200)', async () => {
    const [deadPort] = await freePorts(1);
    const cut = await startStack({
      label: 'gw-health-noredis',
      redisUrls: { gateway: `redis://127.0.0.1:${deadPort}` },
      serviceEnv: { gateway: { REDIS_COMMAND_TIMEOUT_MS: '300' } },
    });
    try {
      expect((await fetch(base(cut) + '/health/live')).status).toBe(200);
      const ready = await fetch(base(cut) + '/health/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', redis: 'unreachable', supergraph: 'loaded' });
    } finally {
      await cut.stop();
    }
  });

  it('unknown paths: 404 JSON', async () => {
    const res = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/admin'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('refuses to start without a loadable supergraph', async () => {
    await expect(startLocalGateway(stack.baseEnv, { supergraphSdl: 'type Query { nope: String }' })).rejects.toThrow();
  });
});
