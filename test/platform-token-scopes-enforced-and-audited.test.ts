import { startStack, type Stack } from './support/stack';

/**
 * The platform through the gateway as a user meets it: root's viewer answers; a token created with
 * audit:read reads audit but is 403 on setFeatureGate; no token is 401; the audit log shows the
 * token's creation and the denial.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'token-scopes' });
});
afterAll(() => stack.stop());

it('root viewer answers; an audit:read token reads audit but gets 403 on setFeatureGate; no token 401; audit shows token_created and denied', async () => {
  const viewer = await stack.gql('{ viewer { project scopes } }');
  expect(viewer.status).toBe(200);
  expect(viewer.body.data.viewer).toEqual({ project: 'default', scopes: ['*'] });

  const created = await stack.gql('mutation { createApiToken(input: { name: "auditor", scopes: ["audit:read"] }) { token info { id scopes revoked } } }');
  expect(created.body.data.createApiToken.info).toMatchObject({ scopes: ['audit:read'], revoked: false });
  const token = created.body.data.createApiToken.token as string;
  expect(token).toMatch(/^smk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

  const audit = await stack.gql('{ auditEvents { nodes { action outcome } } }', {}, { token });
  expect(audit.status).toBe(200);

  const gate = await stack.gql('mutation { setFeatureGate(feature: "secrets", enabled: false) { secrets } }', {}, { token });
  expect(gate.status).toBe(403);
  expect(gate.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

  const anon = await stack.gql('{ viewer { project } }', {}, { token: null });
  expect(anon.status).toBe(401);

  const after = await stack.gql('{ auditEvents { nodes { action outcome } } }', {}, { token });
  const actions = after.body.data.auditEvents.nodes.map((n: { action: string }) => n.action);
  expect(actions).toEqual(expect.arrayContaining(['auth.token_created', 'auth.denied']));
});
