import { decodeBase64Strict, binaryInput } from './base64';
import { formatEnvelope, parseEnvelope } from './ciphertext';
import { KeyWrapper } from './keyWrapper';
import { LruCache } from './materialCache';
import { randomBytes } from 'node:crypto';

describe('strict base64', () => {
  it('accepts canonical standard base64 only', () => {
    expect(decodeBase64Strict('aGk=')?.toString()).toBe('hi');
    expect(decodeBase64Strict('')?.length).toBe(0);
    for (const bad of ['aGk', 'aGk==', 'a Gk=', 'aGl=', 'aG-_', 'aGk=\n', '====']) expect(decodeBase64Strict(bad)).toBeNull();
  });

  it('enforces 64 KiB decoded', () => {
    expect(binaryInput('plaintext', Buffer.alloc(65536).toString('base64')).length).toBe(65536);
    expect(() => binaryInput('plaintext', Buffer.alloc(65537).toString('base64'))).toThrow(/exceeds/);
  });
});

describe('envelope kms:v<N>:<base64>', () => {
  it('round-trips and refuses malformed envelopes', () => {
    const body = randomBytes(40);
    const s = formatEnvelope(7, body);
    expect(s.startsWith('kms:v7:')).toBe(true);
    expect(parseEnvelope(s)).toEqual({ version: 7, body });
    for (const bad of ['kms:v0:AAAA', 'kms:v01:AAAA', 'kms:vx:AAAA', 'kms:7:AAAA', 'kms:v1:AAA', 'vault:v1:AAAA', 'kms:v1:AA AA']) {
      expect(parseEnvelope(bad)).toBeNull();
    }
  });
});

describe('KeyWrapper', () => {
  const ref = { region: 'us-east-1', project: 'p', identity: 'k', version: 1 };
  it('unwraps only for the same region, project, identity, version and root key', () => {
    const w = new KeyWrapper(randomBytes(32));
    const material = randomBytes(32);
    const wrapped = w.wrap(ref, material);
    expect(wrapped.includes(material)).toBe(false);
    expect(w.unwrap(ref, wrapped).equals(material)).toBe(true);
    for (const other of [{ ...ref, region: 'eu-west-1' }, { ...ref, project: 'q' }, { ...ref, identity: 'j' }, { ...ref, version: 2 }]) {
      expect(() => w.unwrap(other, wrapped)).toThrow();
    }
    expect(() => new KeyWrapper(randomBytes(32)).unwrap(ref, wrapped)).toThrow();
    expect(() => new KeyWrapper(randomBytes(16))).toThrow();
  });
});

describe('LruCache', () => {
  it('keeps at most N entries and evicts the least recently used', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
  });
});
