import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, deadPort, platformForComposition, scenarioEnv, type Env } from './gateway-harness';

describe('gateway health endpoints', () => {
  let env: Env;
  let supergraphSdl: string;

  beforeAll(async () => {
    env = scenarioEnv('gw-health');
    supergraphSdl = composeSupergraph([await platformForComposition()]);
  });

  it('live: 200; ready: 200 with every region, its KMS endpoint (configured/none) and circuit state', async () => {
    const gateway = await startGateway(configFor(env), { port: 0, supergraphSdl });
    try {
      const base = gateway.url.replace(/\/graphql$/, '');
      const live = await fetch(base + '/health/live');
      expect(live.status).toBe(200);
      const ready = await fetch(base + '/health/ready');
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
    } finally {
      await gateway.stop();
    }
  });

  it('ready: 503 when Redis is unreachable (live stays 200)', async () => {
    const gateway = await startGateway(configFor(env, { REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, REDIS_COMMAND_TIMEOUT_MS: '300' }), {
      port: 0,
      supergraphSdl,
    });
    try {
      const base = gateway.url.replace(/\/graphql$/, '');
      expect((await fetch(base + '/health/live')).status).toBe(200);
      const ready = await fetch(base + '/health/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable', redis: 'unreachable', supergraph: 'loaded' });
    } finally {
      await gateway.stop();
    }
  });

  it('unknown paths: 404 JSON', async () => {
    const gateway = await startGateway(configFor(env), { port: 0, supergraphSdl });
    try {
      const res = await fetch(gateway.url.replace(/\/graphql$/, '/admin'));
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses to start without a loadable supergraph', async () => {
    await expect(startGateway(configFor(env), { port: 0, supergraphSdl: 'type Query { nope: String }' })).rejects.toThrow();
  });
});
