import { CREATE_KEY, GET_KEY } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

/** ap-southeast-2 is listed in the registry with no KMS endpoint. */
describe('a region with no KMS endpoint', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'rg-nokms', kms: true });
  });
  afterAll(async () => stack?.stop());

  it('query → 503 REGION_UNAVAILABLE with Retry-After and extensions.region, at once', async () => {
    const r = await stack.gql(GET_KEY, { identity: 'k' }, { region: 'ap-southeast-2' });
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.body.data).toEqual({ kmsKey: null });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' });
    expect(r.body.errors?.[0].extensions).not.toHaveProperty('serviceName');
    expect(r.elapsedMs).toBeLessThan(500);
  });

  it('mutation → 503 REGION_UNAVAILABLE (data null), not 200 and not INTERNAL_SERVER_ERROR', async () => {
    const r = await stack.gql(CREATE_KEY, { identity: 'k', type: 'AES256_GCM96' }, { region: 'ap-southeast-2' });
    expect(r.status).toBe(503);
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region: 'ap-southeast-2' });
    expect(r.headers.get('retry-after')).toBeTruthy();
  });

  it('only KMS is unavailable there: a platform field beside it still resolves (partial data → 200)', async () => {
    const r = await stack.gql('{ viewer { project } kmsKey(identity: "x") { identity } }', {}, { region: 'ap-southeast-2' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ viewer: { project: 'default' }, kmsKey: null });
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['REGION_UNAVAILABLE']);
    expect(r.headers.get('retry-after')).toBeNull();
  });
});
