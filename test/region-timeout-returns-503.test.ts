import { GET_KEY } from './support/kmsQueries';
import { startBlackHole, type BlackHole } from './support/blackHole';
import { startStack } from './support/stack';

/** A region whose KMS accepts connections but never answers: 503 at the subgraph timeout, never a hang. */
describe('a hanging region', () => {
  it('→ 503 REGION_UNAVAILABLE within the default 2 s timeout; the healthy region answers meanwhile', async () => {
    const stack = await startStack({ label: 'rg-hang', kms: true });
    let blackHole: BlackHole | undefined;
    try {
      expect(stack.config({}, 'gateway').subgraphTimeoutMs).toBe(2000);
      // eu-west-1's KMS port now holds a peer that never answers.
      const port = stack.kms('eu-west-1').port;
      await stack.stopKms('eu-west-1');
      blackHole = await startBlackHole(port);
      const [hung, healthy] = await Promise.all([
        stack.gql(GET_KEY, { identity: 'k' }, { region: 'eu-west-1' }),
        stack.gql(GET_KEY, { identity: 'k' }, { region: 'us-east-1' }),
      ]);
      expect(healthy.status).toBe(200);
      expect(healthy.elapsedMs).toBeLessThan(1000);
      expect(hung.status).toBe(503);
      expect(hung.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'eu-west-1' });
      expect(hung.headers.get('retry-after')).toBeTruthy();
      expect(hung.elapsedMs).toBeGreaterThanOrEqual(1900);
      expect(hung.elapsedMs).toBeLessThan(2000 + 500);
    } finally {
      await stack.stop();
      await blackHole?.stop();
    }
  });
});
