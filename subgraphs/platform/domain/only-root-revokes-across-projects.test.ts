import type { FeatureGateState } from '../../../shared/featureGates';
import type { Principal } from '../../../shared/principal';
import type { Feature } from '../../../shared/scopes';
import type { TokenRecord } from '../../../shared/tokens';
import { ApiTokens, tokenResource } from './apiTokens';
import type { GateSettings, TokenRecords } from './ports';
import { ProjectGates } from './projectGates';
import type { TokenGrant } from './tokenPolicy';

/** The domain's own token port, in memory: the rules below need no Redis. */
class InMemoryTokens implements TokenRecords {
  readonly records = new Map<string, TokenRecord>();
  readonly ancestors = new Map<string, string[]>();
  rootRevoked = false;
  private n = 0;
  constructor(private readonly root = true) {}
  newId(): string {
    return (++this.n).toString(16).padStart(16, '0');
  }
  async create(g: TokenGrant, id: string) {
    const record: TokenRecord = { id, name: g.name, project: g.project, scopes: g.scopes, pathPrefixes: g.pathPrefixes, createdAt: new Date(0).toISOString(), expiresAt: g.expiresAt?.toISOString() ?? null, revoked: false };
    this.records.set(id, record);
    this.ancestors.set(id, g.ancestors);
    return { token: `value-of-${id}`, record };
  }
  async get(id: string) {
    return this.records.get(id) ?? null;
  }
  async list(project: string) {
    return [...this.records.values()].filter((r) => r.project === project).reverse();
  }
  private below(ref: string) {
    const out = [...this.records.values()].filter((r) => !r.revoked && this.ancestors.get(r.id)!.includes(ref));
    for (const r of out) r.revoked = true;
    return out.map((r) => ({ id: r.id, project: r.project }));
  }
  async revoke(project: string, id: string) {
    const r = this.records.get(id);
    if (!r || r.project !== project) return null;
    r.revoked = true;
    return this.below(id);
  }
  hasRoot() {
    return this.root;
  }
  async revokeRoot() {
    if (!this.root) return null;
    this.rootRevoked = true;
    return this.below('root');
  }
}

class InMemoryGates implements GateSettings {
  readonly state = new Map<string, FeatureGateState>();
  async get(project: string) {
    return { ...(this.state.get(project) ?? { secrets: true, kms: true }) };
  }
  async set(project: string, feature: Feature, enabled: boolean) {
    this.state.set(project, { ...(await this.get(project)), [feature]: enabled });
    return this.get(project);
  }
}

const root: Principal = { tokenId: 'root', project: 'default', scopes: ['*'], pathPrefixes: null, root: true, lineage: ['root'] };
const defaultAdmin: Principal = { tokenId: '00000000000000dd', project: 'default', scopes: ['admin'], pathPrefixes: null, root: false };
const acmeAdmin: Principal = { tokenId: '00000000000000aa', project: 'acme', scopes: ['admin', 'secrets:read'], pathPrefixes: null, root: false };
const now = new Date('2026-01-01T00:00:00Z');

async function tokensIn(tokens: ApiTokens, caller: Principal, project: string): Promise<string> {
  const { record } = await tokens.create(tokens.plan(caller, { name: 'x', scopes: ['secrets:read'], project }));
  return record.id;
}

describe('revoking a token', () => {
  it('the root token revokes a token it bootstrapped in another project', async () => {
    const store = new InMemoryTokens();
    const tokens = new ApiTokens(store, () => now);
    const id = await tokensIn(tokens, root, 'acme');
    const rec = await tokens.revocable(root, id);
    expect(rec.project).toBe('acme');
    expect(await tokens.revoke(rec)).toEqual([]);
    expect(store.records.get(id)!.revoked).toBe(true);
  });

  it('"root" is a token of project default: the root or an admin of default revokes it, with what it created', async () => {
    const store = new InMemoryTokens();
    const tokens = new ApiTokens(store, () => now);
    const made = await tokensIn(tokens, root, 'acme');
    for (const caller of [acmeAdmin, { ...acmeAdmin, root: false, project: 'other-proj' }]) {
      await expect(tokens.revocable(caller, 'root')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    for (const caller of [root, defaultAdmin]) expect(await tokens.revocable(caller, 'root')).toEqual({ id: 'root', project: 'default' });
    expect(await tokens.revoke(await tokens.revocable(defaultAdmin, 'root'))).toEqual([{ id: made, project: 'acme' }]);
    expect(store.rootRevoked).toBe(true);
    // Without a configured root token there is nothing called root.
    await expect(new ApiTokens(new InMemoryTokens(false), () => now).revocable(root, 'root')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("another project's admin gets NOT_FOUND, as for a token that does not exist", async () => {
    const store = new InMemoryTokens();
    const tokens = new ApiTokens(store, () => now);
    const other = await tokensIn(tokens, root, 'other-proj');
    for (const id of [other, 'ffffffffffffffff']) {
      await expect(tokens.revocable(acmeAdmin, id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'No such token in this project' });
    }
    expect(store.records.get(other)!.revoked).toBe(false);
    // Its own project's tokens it may revoke.
    const own = await tokensIn(tokens, acmeAdmin, 'acme');
    expect((await tokens.revocable(acmeAdmin, own)).id).toBe(own);
  });

  it('names only token ids in audit resources', () => {
    expect(tokenResource('0123456789abcdef')).toBe('token:0123456789abcdef');
    expect(tokenResource('root')).toBe('token:root');
    expect(tokenResource('x}{:evil')).toBe('token:<invalid>');
  });
});

describe('what a new token may be, through the domain', () => {
  it('only root names another project; a bad project name is BAD_USER_INPUT for anyone', async () => {
    const tokens = new ApiTokens(new InMemoryTokens(), () => now);
    expect(tokens.plan(root, { name: 't', scopes: ['admin'], project: 'acme' }).grant.project).toBe('acme');
    expect(() => tokens.plan(acmeAdmin, { name: 't', scopes: ['secrets:read'], project: 'other-proj' })).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    for (const caller of [root, acmeAdmin]) {
      expect(() => tokens.plan(caller, { name: 't', scopes: ['secrets:read'], project: 'Acme' })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    }
    // Expiry is counted from the domain's clock.
    expect(tokens.plan(root, { name: 't', scopes: ['admin'], expiresInDays: 1 }).grant.expiresAt).toEqual(new Date('2026-01-02T00:00:00Z'));
  });
});

describe('switching a feature gate', () => {
  it("root switches another project's gate; an admin only its own", async () => {
    const store = new InMemoryGates();
    const gates = new ProjectGates(store);
    expect(await gates.set(gates.target(root, 'kms', 'acme'), false)).toEqual({ secrets: true, kms: false });
    expect(() => gates.target(acmeAdmin, 'kms', 'other-proj')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(gates.target(acmeAdmin, 'secrets', null)).toEqual({ project: 'acme', feature: 'secrets' });
    expect(() => gates.target(acmeAdmin, 'billing', null)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(() => gates.target(root, 'kms', 'a_b')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(await gates.of('other-proj')).toEqual({ secrets: true, kms: true });
  });
});
