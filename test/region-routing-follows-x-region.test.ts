import { gql } from './gateway-harness';
import { CREATE_KEY, GET_KEY, startRegionalStack, type RegionalStack } from './region-harness';

/** Root kms fields run in the request's region: x-region, else the default region. */
describe('regional routing of root kms fields', () => {
  let stack: RegionalStack;
  beforeAll(async () => {
    stack = await startRegionalStack('rg-route');
  });
  afterAll(async () => stack?.stop());

  it('creates a key in the region named by x-region, and finds it only there', async () => {
    const token = stack.env.ROOT_TOKEN;
    const created = await gql(stack.gateway.url, CREATE_KEY, { token, region: 'eu-west-1', variables: { identity: 'routed-key', type: 'AES256_GCM96' } });
    expect(created.status).toBe(200);
    expect(created.json.data.createKmsKey).toEqual({ region: 'eu-west-1', identity: 'routed-key', type: 'AES256_GCM96' });

    const inEu = await gql(stack.gateway.url, GET_KEY, { token, region: 'eu-west-1', variables: { identity: 'routed-key' } });
    expect(inEu.json.data.kmsKey).toEqual({ region: 'eu-west-1', identity: 'routed-key', type: 'AES256_GCM96' });
    const inUs = await gql(stack.gateway.url, GET_KEY, { token, region: 'us-east-1', variables: { identity: 'routed-key' } });
    expect(inUs.status).toBe(200);
    expect(inUs.json.data.kmsKey).toBeNull();
  });

  it('uses the default region when x-region is absent', async () => {
    const token = stack.env.ROOT_TOKEN;
    const created = await gql(stack.gateway.url, CREATE_KEY, { token, variables: { identity: 'default-key', type: 'HMAC_SHA256' } });
    expect(created.json.data.createKmsKey.region).toBe('us-east-1');
    const viaHeader = await gql(stack.gateway.url, GET_KEY, { token, region: 'us-east-1', variables: { identity: 'default-key' } });
    expect(viaHeader.json.data.kmsKey.type).toBe('HMAC_SHA256');
  });

  it('passes KMS errors through with their codes and statuses (UNAUTHENTICATED 401, ALREADY_EXISTS 409)', async () => {
    const unauth = await gql(stack.gateway.url, GET_KEY, { region: 'eu-west-1', variables: { identity: 'routed-key' } });
    expect(unauth.status).toBe(401);
    expect(unauth.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const dup = await gql(stack.gateway.url, CREATE_KEY, { token: stack.env.ROOT_TOKEN, region: 'eu-west-1', variables: { identity: 'routed-key', type: 'AES256_GCM96' } });
    expect(dup.status).toBe(409);
    expect(dup.json.errors[0].extensions.code).toBe('ALREADY_EXISTS');
  });
});
