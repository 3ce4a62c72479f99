import { startStack, type Stack } from './support/stack';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';

/**
 * GraphQL over HTTP: a client that asks for application/graphql-response+json gets 200 whenever
 * `data` is present and not null; a client of application/json keeps API.md's status table.
 */
describe('accept: application/graphql-response+json', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-gql-response-json', kms: true, secrets: true });
  });
  afterAll(async () => stack?.stop());

  const post = async (query: string, accept: string, token: string | null = null) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(stack.gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query }) });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };
  // `secret` is nullable: without a token the answer is data { secret: null } plus UNAUTHENTICATED.
  const nullableRoot = '{ secret(path: "app/db") { path } }';

  it('answers 200 with the error and its code when data is present', async () => {
    const r = await post(nullableRoot, GRAPHQL_RESPONSE_JSON);
    expect(r.status).toBe(200);
    expect(r.contentType).toContain(GRAPHQL_RESPONSE_JSON);
    expect(r.body.data).toEqual({ secret: null });
    expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('keeps the status table for application/json (and no accept, and */*)', async () => {
    for (const accept of ['application/json', '*/*', `application/json, ${GRAPHQL_RESPONSE_JSON}`]) {
      const r = await post(nullableRoot, accept);
      expect([accept, r.status]).toEqual([accept, 401]);
      expect(r.contentType).toContain('application/json');
      expect(r.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('follows the client\'s preference when it accepts both', async () => {
    const r = await post(nullableRoot, `${GRAPHQL_RESPONSE_JSON}, application/json;q=0.9`);
    expect(r.status).toBe(200);
    expect(r.contentType).toContain(GRAPHQL_RESPONSE_JSON);
  });

  it('still uses the table when data is null or absent', async () => {
    // viewer is non-null: the error nulls the whole data.
    const noData = await post('{ viewer { project } }', GRAPHQL_RESPONSE_JSON);
    expect(noData.body.data).toBeNull();
    expect(noData.status).toBe(401);
    const invalid = await post('{ noSuchField }', GRAPHQL_RESPONSE_JSON);
    expect(invalid.status).toBe(400);
    expect(invalid.body.data).toBeUndefined();
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
