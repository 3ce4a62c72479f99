import { CREATE_KEY, GET_KEY } from './support/kmsQueries';
import { startStack, type Stack } from './support/stack';

/** Root kms fields run in the request's region: x-region, else the default region. */
describe('regional routing of root kms fields', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'rg-route', kms: true });
  });
  afterAll(async () => stack?.stop());

  it('creates a key in the region named by x-region, and finds it only there', async () => {
    const created = await stack.gql(CREATE_KEY, { identity: 'routed-key', type: 'AES256_GCM96' }, { region: 'eu-west-1' });
    expect(created.status).toBe(200);
    expect(created.body.data.createKmsKey).toEqual({ region: 'eu-west-1', identity: 'routed-key', type: 'AES256_GCM96' });

    const inEu = await stack.gql(GET_KEY, { identity: 'routed-key' }, { region: 'eu-west-1' });
    expect(inEu.body.data.kmsKey).toEqual({ region: 'eu-west-1', identity: 'routed-key', type: 'AES256_GCM96' });
    const inUs = await stack.gql(GET_KEY, { identity: 'routed-key' }, { region: 'us-east-1' });
    expect(inUs.status).toBe(200);
    expect(inUs.body.data.kmsKey).toBeNull();
  });

  it('uses the default region when x-region is absent', async () => {
    const created = await stack.gql(CREATE_KEY, { identity: 'default-key', type: 'HMAC_SHA256' });
    expect(created.body.data.createKmsKey.region).toBe('us-east-1');
    const viaHeader = await stack.gql(GET_KEY, { identity: 'default-key' }, { region: 'us-east-1' });
    expect(viaHeader.body.data.kmsKey.type).toBe('HMAC_SHA256');
  });

  it('passes KMS errors through with their codes and statuses (UNAUTHENTICATED 401, ALREADY_EXISTS 409)', async () => {
    const unauth = await stack.gql(GET_KEY, { identity: 'routed-key' }, { token: null, region: 'eu-west-1' });
    expect(unauth.status).toBe(401);
    expect(unauth.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const dup = await stack.gql(CREATE_KEY, { identity: 'routed-key', type: 'AES256_GCM96' }, { region: 'eu-west-1' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors?.[0].extensions?.code).toBe('ALREADY_EXISTS');
  });
});
