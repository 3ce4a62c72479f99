import { startStack, type Stack } from './support/stack';

/**
 * The gateway reuses pooled keep-alive connections to subgraphs instead of opening one per
 * fetch (a new TCP connection per fetch roughly halves throughput: see `npm run bench`).
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'keepalive' });
});
afterAll(() => stack.stop());

it('100 sequential requests through the gateway open at most a couple of connections to the subgraph', async () => {
  let connections = 0;
  const count = () => connections++;
  const platform = stack.running.get('platform')!.server;
  platform.on('connection', count);
  try {
    for (let i = 0; i < 100; i++) {
      const r = await stack.gql('{ viewer { project } }');
      expect(r.status).toBe(200);
    }
  } finally {
    platform.off('connection', count);
  }
  expect(connections).toBeLessThanOrEqual(2);
});
