import { startProbeSubgraph } from './support/probeSubgraph';
import { startStack, type Stack } from './support/stack';

/** API.md's status rule, end to end through the gateway: codes survive, statuses follow the first error. */
describe('gateway HTTP status mapping', () => {
  let stack: Stack;
  let probe: Awaited<ReturnType<typeof startProbeSubgraph>>;
  let auditOnly: string;

  beforeAll(async () => {
    probe = await startProbeSubgraph();
    stack = await startStack({ label: 'gw-status', subgraphs: [probe] });
    auditOnly = (await stack.services.get('platform')!.tokens.create({ name: 't', project: 'default', scopes: ['audit:read'], pathPrefixes: null, expiresAt: null })).token;
  });
  afterAll(async () => {
    await stack?.stop();
    await probe?.stop();
  });

  it('UNAUTHENTICATED (no token, unknown token) → 401', async () => {
    for (const token of [null, 'smk_0123456789abcdef_' + 'A'.repeat(43)]) {
      const r = await stack.gql('{ viewer { project } }', {}, { token });
      expect(r.status).toBe(401);
      expect(r.body.data).toBeNull();
      expect(r.body.errors).toHaveLength(1);
      expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('data null → the status of the first error (FORBIDDEN 403), code kept, no internals', async () => {
    const r = await stack.gql('{ apiTokens { id } }', {}, { token: auditOnly });
    expect(r.status).toBe(403);
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(r.body.errors?.[0].path).toEqual(['apiTokens']);
    expect(r.body.errors?.[0].extensions).not.toHaveProperty('serviceName');
    expect(r.body.errors?.[0].extensions).not.toHaveProperty('stacktrace');
  });

  it('a non-null root field failing nulls the data → its status even when other fields were asked', async () => {
    const r = await stack.gql('{ viewer { project } apiTokens { id } }', {}, { token: auditOnly });
    expect(r.status).toBe(403);
    expect(r.body.data).toBeNull();
  });

  it('partial data → 200, each error still carries its code', async () => {
    const r = await stack.gql('{ viewer { project } probeFail(code: "NOT_FOUND") }', {}, { token: auditOnly });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ viewer: { project: 'default' }, probeFail: null });
    expect(r.body.errors?.map((e: any) => [e.extensions.code, e.path])).toEqual([['NOT_FOUND', ['probeFail']]]);
  });

  it('every root field null → status of the first error', async () => {
    const r = await stack.gql('{ a: probeFail(code: "VERSION_CONFLICT") b: probeFail(code: "NOT_FOUND") }', {}, { token: auditOnly });
    expect(r.body.data).toEqual({ a: null, b: null });
    expect(r.status).toBe(409);
  });

  it.each([
    ['FEATURE_DISABLED', 'feature', 'kms', 403],
    ['KMS_KEY_NOT_ACTIVE', 'kmsKeyStatus', 'DISABLED', 400],
    ['IMMUTABLE_FIELD', 'field', 'kmsKeyIdentity', 400],
    ['REGION_UNAVAILABLE', 'region', 'eu-west-1', 503],
    ['STORE_UNAVAILABLE', 'detail', 'x', 503],
  ])('subgraph code %s keeps extensions.%s and maps to its status', async (code, key, value, status) => {
    const r = await stack.gql(`{ probeFail(code: "${code}", key: "${key}", value: "${value}") }`, {}, { token: auditOnly });
    expect(r.status).toBe(status);
    expect(r.body.errors?.[0].extensions).toEqual({ code, [key]: value });
    expect(r.body.errors?.[0].message).toBe(`probe failed with ${code}`);
  });

  it('an unknown downstream code becomes a bare INTERNAL_SERVER_ERROR 500 (no message leak)', async () => {
    const r = await stack.gql('{ probeFail(code: "SOMETHING_INTERNAL", key: "dbHost", value: "10.0.0.7") }', {}, { token: auditOnly });
    expect(r.status).toBe(500);
    expect(r.body.errors?.[0]).toEqual({ message: 'Internal server error', path: ['probeFail'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('a subgraph BAD_USER_INPUT → 400 with its code (not rewritten to INTERNAL_SERVER_ERROR)', async () => {
    const r = await stack.gql('mutation { setFeatureGate(feature: "teleport", enabled: true) { kms } }');
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.status).toBe(400);
  });

  it('a query the supergraph cannot validate → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await stack.gql('{ noSuchField }');
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
