import { postGql, startStack, type Stack } from './support/stack';

/** A subgraph reached directly (bypassing the gateway) is no back door. */
describe('subgraph called directly', () => {
  let stack: Stack;
  let platformUrl: string;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-direct', gateway: false });
    platformUrl = stack.running.get('platform')!.url;
  });
  afterAll(async () => stack?.stop());

  it('without x-internal-secret: 401, even with a valid token', async () => {
    const r = await postGql(platformUrl, '{ viewer { project } }', {}, { token: stack.rootToken });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.body.data ?? null).toBeNull();
  });

  it('with a wrong x-internal-secret: 401', async () => {
    const r = await postGql(platformUrl, '{ viewer { project } }', {}, { token: stack.rootToken, headers: { 'x-internal-secret': 'x'.repeat(43) } });
    expect(r.status).toBe(401);
  });

  it('with the secret but without a token: 401', async () => {
    const r = await postGql(platformUrl, '{ viewer { project } }', {}, { headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET } });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('with the secret and a token: served (the positive control)', async () => {
    const r = await postGql(platformUrl, '{ viewer { project } }', {}, { token: stack.rootToken, headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET } });
    expect(r.status).toBe(200);
    expect(r.body.data.viewer.project).toBe('default');
  });
});
