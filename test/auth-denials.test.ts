import { startStack, type Stack } from './support/stack';

/** Who may call what: 401 for bad tokens, 403 for missing scopes, every denial audited. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'auth' });
});
afterAll(() => stack.stop());

const VIEWER = '{ viewer { id project scopes } }';

describe('authentication through the gateway', () => {
  it('no token → HTTP 401 UNAUTHENTICATED', async () => {
    const r = await stack.gql(VIEWER, {}, { token: null });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.body.data ?? null).toBeNull();
  });

  it('unknown token (well-formed and garbage) → 401', async () => {
    for (const t of ['smk_0123456789abcdef_' + 'A'.repeat(43), 'not-a-token']) {
      const r = await stack.gql(VIEWER, {}, { token: t });
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a forged secret for a real token id → 401', async () => {
    const { token } = await stack.token(['audit:read']);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const r = await stack.gql(VIEWER, {}, { token: forged });
    expect(r.status).toBe(401);
  });

  it('expired token → 401, and the denial is audited in its project', async () => {
    const platform = stack.services.get('platform')!;
    const { token, record } = await platform.tokens.create({
      name: 'expired', project: 'exp-proj', scopes: ['audit:read'], pathPrefixes: null, expiresAt: new Date(Date.now() - 1000),
    });
    const r = await stack.gql(VIEWER, {}, { token });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const page = await platform.audit.query('exp-proj', { action: 'auth.denied' }, 10, null);
    expect(page.events.map((e) => [e.resource, e.outcome, e.errorCode])).toContainEqual([`token:${record.id}`, 'DENIED', 'UNAUTHENTICATED']);
  });

  it('revoked token → 401 on the very next request', async () => {
    const { token, id } = await stack.token(['audit:read']);
    expect((await stack.gql(VIEWER, {}, { token })).status).toBe(200);
    const rev = await stack.gql('mutation($id: ID!) { revokeApiToken(id: $id) }', { id }, { headers: { 'x-request-id': `revoke-${id}` } });
    expect(rev.body.data?.revokeApiToken).toBe(true);
    const r = await stack.gql(VIEWER, {}, { token });
    expect(r.status).toBe(401);
    const ev = await stack.gql('query($r: String) { auditEvents(filter: { requestId: $r }) { nodes { action outcome resource actor } } }', { r: `revoke-${id}` });
    expect(ev.body.data.auditEvents.nodes).toEqual([{ action: 'auth.token_revoked', outcome: 'SUCCESS', resource: `token:${id}`, actor: 'root' }]);
  });

  it('the token value is never stored in Redis, only its hash', async () => {
    const { token } = await stack.token(['audit:read']);
    const redis = stack.services.get('platform')!.redis;
    const secretPart = /^smk_[0-9a-f]{16}_(.+)$/.exec(token)![1];
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const k of keys) {
      const bare = k.slice(stack.prefix.length);
      const type = await redis.type(bare);
      const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(bare)) : type === 'stream' ? JSON.stringify(await redis.xrange(bare, '-', '+')) : type === 'zset' ? JSON.stringify(await redis.zrange(bare, 0, -1)) : type === 'string' ? String(await redis.get(bare)) : '';
      expect(dump).not.toContain(secretPart);
    }
    expect(keys.length).toBeGreaterThan(0);
  });
});

describe('authorization through the gateway', () => {
  it('a token with audit:read reads auditEvents but setFeatureGate → 403 FORBIDDEN, audited as auth.denied', async () => {
    const { token, id } = await stack.token(['audit:read']);
    const ok = await stack.gql('{ auditEvents(first: 5) { nodes { action } } }', {}, { token });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    const denied = await stack.gql('mutation { setFeatureGate(feature: "kms", enabled: false) { kms } }', {}, { token, headers: { 'x-request-id': 'deny-check-1' } });
    expect(denied.status).toBe(403);
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const events = await stack.gql('{ auditEvents(filter: { action: "auth.denied", requestId: "deny-check-1" }) { nodes { action outcome actor errorCode } } }', {}, { token });
    expect(events.body.data.auditEvents.nodes).toEqual([{ action: 'auth.denied', outcome: 'DENIED', actor: id, errorCode: 'FORBIDDEN' }]);
    // The gate did not change.
    const gates = await stack.gql('{ featureGates { kms } }');
    expect(gates.body.data.featureGates.kms).toBe(true);
  });

  it('admin-only queries need admin', async () => {
    const { token } = await stack.token(['audit:read']);
    const r = await stack.gql('{ apiTokens { id } }', {}, { token });
    expect(r.status).toBe(403);
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('a token cannot grant scopes it lacks, nor name another project', async () => {
    const { token: admin } = await stack.token(['admin']);
    const esc = await stack.gql('mutation { createApiToken(input: { name: "x", scopes: ["kms:admin"] }) { token } }', {}, { token: admin });
    expect(esc.status).toBe(403);
    const other = await stack.gql('mutation { createApiToken(input: { name: "x", scopes: ["admin"], project: "someone-else" }) { token } }', {}, { token: admin });
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('bad input is 400 BAD_USER_INPUT', async () => {
    const r = await stack.gql('mutation { createApiToken(input: { name: "x", scopes: ["no-such-scope"] }) { token } }');
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const g = await stack.gql('mutation { setFeatureGate(feature: "nope", enabled: true) { kms } }');
    expect(g.status).toBe(400);
  });
});
