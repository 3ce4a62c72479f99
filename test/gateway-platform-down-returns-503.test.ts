import { createServer, type Server, type Socket } from 'node:net';
import type { RunningService } from '../shared/subgraphServer';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, deadPort, gql, platformForComposition, scenarioEnv, startPlatform, type Env } from './gateway-harness';

/** A global subgraph that cannot answer gives 503 SERVICE_UNAVAILABLE, never a 200 INTERNAL_SERVER_ERROR, and never a hang. */
describe('platform subgraph down', () => {
  let env: Env;
  let supergraphSdl: string;

  beforeAll(async () => {
    env = scenarioEnv('gw-platdown');
    supergraphSdl = composeSupergraph([await platformForComposition()]);
  });

  it('nothing listening → 503 SERVICE_UNAVAILABLE at once', async () => {
    const gateway = await startGateway(configFor(env, { PLATFORM_URL: `http://127.0.0.1:${await deadPort()}/graphql` }), { port: 0, supergraphSdl });
    try {
      const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
      expect(r.status).toBe(503);
      expect(r.json.data).toBeNull();
      expect(r.json.errors).toEqual([{ message: 'The platform service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
      expect(r.elapsedMs).toBeLessThan(1000);
    } finally {
      await gateway.stop();
    }
  });

  it('accepting connections but never answering → 503 within the subgraph timeout', async () => {
    const sockets: Socket[] = [];
    const blackHole: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const port = (blackHole.address() as { port: number }).port;
    const gateway = await startGateway(configFor(env, { PLATFORM_URL: `http://127.0.0.1:${port}/graphql`, SUBGRAPH_TIMEOUT_MS: '400' }), { port: 0, supergraphSdl });
    try {
      const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
      expect(r.status).toBe(503);
      expect(r.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.elapsedMs).toBeGreaterThanOrEqual(350);
      expect(r.elapsedMs).toBeLessThan(400 + 600);
    } finally {
      await gateway.stop();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => blackHole.close(r));
    }
  });

  it('an answer that is not GraphQL (a proxy error page) → 503, with no upstream body in the error', async () => {
    const { createServer: createHttp } = await import('node:http');
    const proxy = createHttp((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>upstream 10.1.2.3 failed</html>');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    const gateway = await startGateway(configFor(env, { PLATFORM_URL: `http://127.0.0.1:${port}/graphql` }), { port: 0, supergraphSdl });
    try {
      const r = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.json)).not.toContain('10.1.2.3');
      expect(r.json.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await gateway.stop();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('stopped while the gateway runs → 503; started again on the same port → served', async () => {
    const platform = await startPlatform(env);
    const port = platform.running.port;
    const gateway = await startGateway(configFor(env, { PLATFORM_URL: platform.running.url }), { port: 0, supergraphSdl });
    try {
      expect((await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN })).status).toBe(200);
      await platform.stop();
      const down = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
      expect(down.status).toBe(503);
      expect(down.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      const again = await startPlatform(env, port);
      try {
        const up = await gql(gateway.url, '{ viewer { project } }', { token: env.ROOT_TOKEN });
        expect(up.status).toBe(200);
        expect(up.json.data.viewer.project).toBe('default');
      } finally {
        await again.stop();
      }
    } finally {
      await gateway.stop();
    }
  });
});
