import { createAssertion, MAX_LIFETIME_MS, onBehalfKey, operationOfRequest, verifyAssertion } from './onBehalfOf';

const key = onBehalfKey('c'.repeat(40));
const input = { tokenId: 'abcdef0123456789', project: 'acme', requestId: 'req-1', operation: 'encrypt' as const };
const T = 1_700_000_000_000;
const expected = { requestId: 'req-1', operation: 'encrypt' as const };

describe('on-behalf-of assertions', () => {
  it('round-trips the caller, project, request id and operation, with a fresh nonce each time', () => {
    const a = createAssertion(key, input, T);
    const r = verifyAssertion(key, a, expected, T + 1000);
    expect(r).toEqual({ ok: true, assertion: expect.objectContaining({ ...input, issuedAt: T, expiresAt: T + MAX_LIFETIME_MS }) });
    const again = verifyAssertion(key, createAssertion(key, input, T), expected, T);
    expect(again.ok && r.ok && again.assertion.nonce !== r.assertion.nonce).toBe(true);
  });

  it('lives at most 30 seconds (the clock is a parameter)', () => {
    const a = createAssertion(key, input, T, 10 * 60_000);
    expect(verifyAssertion(key, a, expected, T + MAX_LIFETIME_MS - 1).ok).toBe(true);
    expect(verifyAssertion(key, a, expected, T + MAX_LIFETIME_MS)).toMatchObject({ ok: false, reason: 'expired' });
    // Issued in the future beyond the tolerated skew.
    expect(verifyAssertion(key, a, expected, T - 60_000)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses another key, any altered field, a truncated MAC and garbage', () => {
    const a = createAssertion(key, input, T);
    expect(verifyAssertion(onBehalfKey('d'.repeat(40)), a, expected, T)).toEqual({ ok: false, reason: 'bad-mac' });
    const [payload, mac] = a.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString());
    for (const change of [{ tid: 'x' }, { prj: 'other' }, { rid: 'req-2' }, { op: 'decrypt' }, { exp: body.exp + 1 }, { n: 'A'.repeat(22) }]) {
      const forged = `${Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url')}.${mac}`;
      expect(verifyAssertion(key, forged, expected, T)).toEqual({ ok: false, reason: 'bad-mac' });
    }
    for (const raw of [undefined, '', payload, `${payload}.${mac.slice(1)}`, `${payload}.${mac}.x`, 'x'.repeat(5000), Buffer.from(JSON.stringify(input)).toString('base64url')]) {
      expect(verifyAssertion(key, raw, expected, T).ok).toBe(false);
    }
  });

  it('holds only for the request id and the operation it names', () => {
    const a = createAssertion(key, input, T);
    expect(verifyAssertion(key, a, { requestId: 'req-2', operation: 'encrypt' }, T)).toMatchObject({ ok: false, reason: 'wrong-request' });
    expect(verifyAssertion(key, a, { requestId: 'req-1', operation: 'decrypt' }, T)).toMatchObject({ ok: false, reason: 'wrong-operation' });
    expect(verifyAssertion(key, a, { requestId: 'req-1', operation: null }, T)).toMatchObject({ ok: false, reason: 'wrong-operation' });
  });

  it('reads the one operation of a request: exactly one root field of the right operation type', () => {
    const body = (query: unknown) => JSON.stringify({ query, variables: {} });
    expect(operationOfRequest(body('mutation M($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }'))).toBe('encrypt');
    expect(operationOfRequest(body('mutation { out: decrypt(input: {}) { plaintext } }'))).toBe('decrypt');
    expect(operationOfRequest(body('query { kmsKey(identity: "k") { identity } }'))).toBe('getKey');
    expect(operationOfRequest(body('{ kmsKey(identity: "k") { identity } }'))).toBe('getKey');
    for (const q of [
      'query { encrypt(input: {}) { ciphertext } }',
      'mutation { kmsKey(identity: "k") { identity } }',
      'mutation { encrypt(input: {}) { ciphertext } exportKmsKey(identity: "k") { keyMaterial } }',
      'mutation { exportKmsKey(identity: "k") { keyMaterial } }',
      'mutation { ...F } fragment F on Mutation { encrypt(input: {}) { ciphertext } }',
      'mutation { ... on Mutation { encrypt(input: {}) { ciphertext } } }',
      'mutation A { encrypt(input: {}) { ciphertext } } mutation B { decrypt(input: {}) { plaintext } }',
      'not graphql',
      42,
    ]) {
      expect({ q, op: operationOfRequest(body(q)) }).toEqual({ q, op: null });
    }
    expect(operationOfRequest('not json')).toBeNull();
    expect(operationOfRequest(JSON.stringify([{ query: '{ kmsKey(identity: "k") { identity } }' }]))).toBeNull();
  });
});
