import { createServer, type Server, type Socket } from 'node:net';
import { startGateway } from '../gateway/server';
import { composeSupergraph, configFor, gql, platformForComposition, scenarioEnv } from './gateway-harness';
import { GET_KEY, kmsForComposition, startKmsRegion } from './region-harness';

/** A region whose KMS accepts connections but never answers: 503 at the subgraph timeout, never a hang. */
describe('a hanging region', () => {
  it('→ 503 REGION_UNAVAILABLE within the default 2 s timeout; the healthy region answers meanwhile', async () => {
    const env = scenarioEnv('rg-hang');
    const sockets: Socket[] = [];
    const blackHole: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const hangPort = (blackHole.address() as { port: number }).port;
    const use1 = await startKmsRegion(env, 'us-east-1');
    const config = configFor(env, { REGIONS: `us-east-1=${use1.url},eu-west-1=http://127.0.0.1:${hangPort}/graphql` });
    expect(config.subgraphTimeoutMs).toBe(2000);
    const gateway = await startGateway(config, { port: 0, supergraphSdl: composeSupergraph([await platformForComposition(), await kmsForComposition()]) });
    try {
      const [hung, healthy] = await Promise.all([
        gql(gateway.url, GET_KEY, { token: env.ROOT_TOKEN, region: 'eu-west-1', variables: { identity: 'k' } }),
        gql(gateway.url, GET_KEY, { token: env.ROOT_TOKEN, region: 'us-east-1', variables: { identity: 'k' } }),
      ]);
      expect(healthy.status).toBe(200);
      expect(healthy.elapsedMs).toBeLessThan(1000);
      expect(hung.status).toBe(503);
      expect(hung.json.errors[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
      expect(hung.headers.get('retry-after')).toBeTruthy();
      expect(hung.elapsedMs).toBeGreaterThanOrEqual(1900);
      expect(hung.elapsedMs).toBeLessThan(2000 + 500);
    } finally {
      await gateway.stop();
      await use1.stop();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => blackHole.close(r));
    }
  });
});
