import { createServer } from 'node:http';
import { startBlackHole } from './support/blackHole';
import { freePorts } from './support/ports';
import { startStack, type Stack } from './support/stack';

/** A global subgraph that cannot answer gives 503 SERVICE_UNAVAILABLE, never a 200 INTERNAL_SERVER_ERROR, and never a hang. */
describe('platform subgraph down', () => {
  /** A stack whose gateway looks for the platform at `platformUrl` (with extra gateway env). */
  const gatewayTo = (platformUrl: string, env: Record<string, string> = {}) =>
    startStack({ label: 'gw-platdown', serviceEnv: { gateway: { PLATFORM_URL: platformUrl, ...env } } });

  it('nothing listening → 503 SERVICE_UNAVAILABLE at once', async () => {
    const [deadPort] = await freePorts(1);
    // A long subgraph timeout: "at once" is well under it even on a loaded machine.
    const stack = await gatewayTo(`http://127.0.0.1:${deadPort}/graphql`, { SUBGRAPH_TIMEOUT_MS: '5000' });
    try {
      const r = await stack.gql('{ viewer { project } }');
      expect(r.status).toBe(503);
      expect(r.body.data).toBeNull();
      expect(r.body.errors).toEqual([{ message: 'The platform service is unavailable', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 1 } }]);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.elapsedMs).toBeLessThan(2500);
    } finally {
      await stack.stop();
    }
  });

  it('accepting connections but never answering → 503 within the subgraph timeout', async () => {
    const blackHole = await startBlackHole();
    const stack = await gatewayTo(blackHole.url, { SUBGRAPH_TIMEOUT_MS: '1000' });
    try {
      const r = await stack.gql('{ viewer { project } }');
      expect(r.status).toBe(503);
      expect(r.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      // Ended by the 1 s subgraph timeout, not by the request's (longer) budget.
      expect(r.elapsedMs).toBeGreaterThanOrEqual(950);
      expect(r.elapsedMs).toBeLessThan(1000 + 1500);
    } finally {
      await stack.stop();
      await blackHole.stop();
    }
  });

  it('an answer that is not GraphQL (a proxy error page) → 503, with no upstream body in the error', async () => {
    const proxy = createServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>upstream 10.1.2.3 failed</html>');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    const stack = await gatewayTo(`http://127.0.0.1:${port}/graphql`);
    try {
      const r = await stack.gql('{ viewer { project } }');
      expect(r.status).toBe(503);
      expect(JSON.stringify(r.body)).not.toContain('10.1.2.3');
      expect(r.body.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
    } finally {
      await stack.stop();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('stopped while the gateway runs → 503; started again on the same port → served', async () => {
    const stack = await startStack({ label: 'gw-platdown' });
    try {
      expect((await stack.gql('{ viewer { project } }')).status).toBe(200);
      await stack.stopService('platform');
      const down = await stack.gql('{ viewer { project } }');
      expect(down.status).toBe(503);
      expect(down.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
      await stack.restartService('platform');
      const up = await stack.gql('{ viewer { project } }');
      expect(up.status).toBe(200);
      expect(up.body.data.viewer.project).toBe('default');
    } finally {
      await stack.stop();
    }
  });
});
