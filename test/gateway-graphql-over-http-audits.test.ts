import { auditServer, type AuditResult } from 'graphql-http';
import { startStack, type Stack } from './support/stack';

/**
 * graphql-http's server audits against the real gateway. Every MUST passes; the SHOULD/MAY audits
 * that do not are pinned here by id and explained in the README ("GraphQL over HTTP").
 */
describe('GraphQL over HTTP audits (graphql-http)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ label: 'gw-http-audits' });
  });
  afterAll(async () => stack?.stop());

  /**
   * What a browser client sends on a GET to get past Apollo's CSRF prevention (a GET has no
   * content-type to prove a preflight happened): `apollo-require-preflight`. Nothing else is added.
   */
  const browserClientFetch = (input: string | URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if ((init.method ?? 'GET').toUpperCase() === 'GET') headers.set('apollo-require-preflight', 'true');
    return fetch(input, { ...init, headers });
  };
  const failing = (results: AuditResult[]) =>
    results
      .filter((r) => r.status !== 'ok')
      .map((r) => r.id)
      .sort();
  const mustFailures = (results: AuditResult[]) => results.filter((r) => r.name.startsWith('MUST') && r.status !== 'ok').map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);

  // application/json keeps API.md's status table: parse, validation and variable-coercion failures are 400.
  const BY_DESIGN = ['572B', '7B9B', 'FDE2'];
  // GETs without a CSRF-prevention header are refused before they run (400).
  const GET_WITHOUT_PREFLIGHT_HEADER = ['5A70', '6A70', 'D6D5'];

  it('passes every MUST, and only the documented SHOULDs fail, for a browser client', async () => {
    const results = await auditServer({ url: stack.gatewayUrl, fetchFn: browserClientFetch });
    expect(results.length).toBeGreaterThan(30);
    expect(mustFailures(results)).toEqual([]);
    expect(failing(results)).toEqual(BY_DESIGN);
  });

  it('passes every MUST with a plain fetch too; the GET MAYs then meet CSRF prevention', async () => {
    const results = await auditServer({ url: stack.gatewayUrl });
    expect(mustFailures(results)).toEqual([]);
    expect(failing(results)).toEqual([...BY_DESIGN, ...GET_WITHOUT_PREFLIGHT_HEADER].sort());
  });
});
