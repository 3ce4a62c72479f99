import { gql } from './gateway-harness';
import { CREATE_KEY, GET_KEY, startRegionalStack, type RegionalStack } from './region-harness';

/** ap-southeast-2 is listed in the registry with no KMS endpoint. */
describe('a region with no KMS endpoint', () => {
  let stack: RegionalStack;
  beforeAll(async () => {
    stack = await startRegionalStack('rg-nokms');
  });
  afterAll(async () => stack?.stop());

  it('query → 503 REGION_UNAVAILABLE with Retry-After and extensions.region, at once', async () => {
    const r = await gql(stack.gateway.url, GET_KEY, { token: stack.env.ROOT_TOKEN, region: 'ap-southeast-2', variables: { identity: 'k' } });
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.json.data).toEqual({ kmsKey: null });
    expect(r.json.errors).toHaveLength(1);
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' });
    expect(r.json.errors[0].extensions).not.toHaveProperty('serviceName');
    expect(r.elapsedMs).toBeLessThan(500);
  });

  it('mutation → 503 REGION_UNAVAILABLE (data null), not 200 and not INTERNAL_SERVER_ERROR', async () => {
    const r = await gql(stack.gateway.url, CREATE_KEY, { token: stack.env.ROOT_TOKEN, region: 'ap-southeast-2', variables: { identity: 'k', type: 'AES256_GCM96' } });
    expect(r.status).toBe(503);
    expect(r.json.data).toBeNull();
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' });
    expect(r.headers.get('retry-after')).toBeTruthy();
  });

  it('only KMS is unavailable there: a platform field beside it still resolves (partial data → 200)', async () => {
    const r = await gql(stack.gateway.url, '{ viewer { project } kmsKey(identity: "x") { identity } }', { token: stack.env.ROOT_TOKEN, region: 'ap-southeast-2' });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ viewer: { project: 'default' }, kmsKey: null });
    expect(r.json.errors.map((e: any) => e.extensions.code)).toEqual(['REGION_UNAVAILABLE']);
    expect(r.headers.get('retry-after')).toBeNull();
  });
});
