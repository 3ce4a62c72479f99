import type { Principal } from '../../../shared/principal';
import { grantFor, MAX_TOKEN_DEPTH } from './tokenPolicy';

const root: Principal = { tokenId: 'root', project: 'default', scopes: ['*'], pathPrefixes: null, root: true };
const now = new Date('2026-01-01T00:00:00Z');

describe('what a new token may be', () => {
  it('refuses a path prefix that confines nothing ("/")', () => {
    for (const p of ['/', '//']) {
      expect(() => grantFor(root, { name: 't', scopes: ['secrets:read'], pathPrefixes: [p] }, now)).toThrow(/must name a path/);
    }
    expect(grantFor(root, { name: 't', scopes: ['secrets:read'], pathPrefixes: ['app/'] }, now).pathPrefixes).toEqual(['app/']);
  });

  it('a confined creator can only confine further, by whole segments', () => {
    const confined: Principal = { tokenId: 'a', project: 'p', scopes: ['admin', 'secrets:read'], pathPrefixes: ['team-a'], root: false };
    expect(grantFor(confined, { name: 't', scopes: ['secrets:read'], pathPrefixes: ['team-a/db'] }, now).pathPrefixes).toEqual(['team-a/db']);
    expect(() => grantFor(confined, { name: 't', scopes: ['secrets:read'], pathPrefixes: ['team-ab'] }, now)).toThrow(/confined within its own pathPrefixes/);
    expect(() => grantFor(confined, { name: 't', scopes: ['secrets:read'] }, now)).toThrow(/confined within its own pathPrefixes/);
  });

  it('never grants more scopes than the creator has, and only root grants "*"', () => {
    const admin: Principal = { tokenId: 'a', project: 'p', scopes: ['admin'], pathPrefixes: null, root: false };
    expect(() => grantFor(admin, { name: 't', scopes: ['kms:admin'] }, now)).toThrow(/does not have/);
    expect(() => grantFor(admin, { name: 't', scopes: ['*'] }, now)).toThrow(/Only the root token/);
    expect(grantFor(root, { name: 't', scopes: ['*'], expiresInDays: 2 }, now).expiresAt).toEqual(new Date('2026-01-03T00:00:00Z'));
  });

  it("caps the expiry at the creator's and records the creator's lineage", () => {
    const expiring: Principal = { tokenId: 'b', project: 'p', scopes: ['admin'], pathPrefixes: null, root: false, expiresAt: '2026-01-02T00:00:00.000Z', lineage: ['r', 'b'] };
    for (const expiresInDays of [undefined, null, 1, 30]) {
      expect(grantFor(expiring, { name: 't', scopes: ['admin'], expiresInDays }, now).expiresAt).toEqual(new Date('2026-01-02T00:00:00Z'));
    }
    expect(grantFor(expiring, { name: 't', scopes: ['admin'] }, now).ancestors).toEqual(['r', 'b']);
    expect(grantFor({ ...expiring, expiresAt: '2026-03-01T00:00:00.000Z' }, { name: 't', scopes: ['admin'], expiresInDays: 1 }, now).expiresAt).toEqual(new Date('2026-01-02T00:00:00Z'));
    expect(grantFor(root, { name: 't', scopes: ['admin'] }, now).expiresAt).toBeNull();
  });

  it(`refuses a token with more than ${MAX_TOKEN_DEPTH} creators above it`, () => {
    const deep: Principal = { tokenId: 'd', project: 'p', scopes: ['admin'], pathPrefixes: null, root: false, lineage: Array.from({ length: MAX_TOKEN_DEPTH + 1 }, (_, i) => String(i)) };
    expect(() => grantFor(deep, { name: 't', scopes: ['admin'] }, now)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(grantFor({ ...deep, lineage: deep.lineage!.slice(1) }, { name: 't', scopes: ['admin'] }, now).ancestors).toHaveLength(MAX_TOKEN_DEPTH);
  });
});
