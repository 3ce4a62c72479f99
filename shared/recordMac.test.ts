import { RecordMac, VerifiedRecords } from './recordMac';

describe('record MACs', () => {
  const mac = new RecordMac('s'.repeat(40), 'token-record-v1');
  const parts = ['id1', 'scopes', '["secrets:read"]', 'revoked', '"0"'];

  it('holds for the parts it signed and for nothing else', () => {
    const m = mac.sign(parts);
    expect(mac.verify(parts, m)).toBe(true);
    expect(mac.verify(['id1', 'scopes', '["*"]', 'revoked', '"0"'], m)).toBe(false);
    // Length-prefixed: moving a boundary between parts changes the MAC.
    expect(mac.verify(['id1s', 'copes', '["secrets:read"]', 'revoked', '"0"'], m)).toBe(false);
    for (const bad of [undefined, '', 'x', m.slice(1), `${m}A`]) expect(mac.verify(parts, bad)).toBe(false);
  });

  it('another secret or another purpose gives another key', () => {
    const m = mac.sign(parts);
    expect(new RecordMac('t'.repeat(40), 'token-record-v1').verify(parts, m)).toBe(false);
    expect(new RecordMac('s'.repeat(40), 'kms-key-metadata-v1').verify(parts, m)).toBe(false);
  });

  it('is the HMAC of the length-prefixed parts: these values were signed by earlier releases and must still verify', () => {
    expect(mac.sign(parts)).toBe('b_0ElFt9fESkLn-JO0g9F2xcB7498s2E5bj7G6rcISM');
    expect(mac.sign([])).toBe('eItIqB4L0-PaS3V8UeGgLykXXIEcw0jz9FunTF17Wos');
    expect(mac.sign(['', 'é€😀', 'x'.repeat(300)])).toBe('d5HjR08IUAb1k6Gj8hsSteI2ACX74J_i72ZgHxpYJYo');
  });

  it('VerifiedRecords holds only the exact values remembered under that MAC, and stays bounded', () => {
    const v = new VerifiedRecords(2);
    v.remember('m1', ['a', undefined, 'c']);
    expect(v.holds('m1', ['a', undefined, 'c'])).toBe(true);
    for (const other of [['a', 'undefined', 'c'], ['a', undefined], ['a', undefined, 'c', 'd'], ['a', '', 'c']]) expect(v.holds('m1', other)).toBe(false);
    expect(v.holds('m2', ['a', undefined, 'c'])).toBe(false);
    expect(v.holds(undefined, ['a', undefined, 'c'])).toBe(false);
    v.remember('m2', ['x']);
    v.remember('m3', ['y']);
    expect([v.holds('m1', ['a', undefined, 'c']), v.holds('m2', ['x']), v.holds('m3', ['y'])]).toEqual([false, true, true]);
  });
});
