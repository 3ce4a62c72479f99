import { randomBytes } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64';

describe('base64 without Buffer agrees with Node', () => {
  test.each([0, 1, 2, 3, 4, 5, 255, 256, 257, 3 * 8192 + 1, 65536])('%i random bytes', (n) => {
    const bytes = new Uint8Array(randomBytes(n));
    const b64 = encodeBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(Buffer.from(decodeBase64(b64)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('rejects what is not standard padded base64', () => {
    for (const bad of ['A', 'AAA', 'AA=A', '====', 'AA-_', 'AAAA AAAA', 'Zm9v\n']) expect(() => decodeBase64(bad)).toThrow(/invalid base64/);
  });
});
