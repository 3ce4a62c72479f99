import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MacSuite } from './cipherSuite';

/** HMAC-SHA256 with a 256-bit key; verification in constant time. */
export const hmacSha256: MacSuite = {
  type: 'HMAC_SHA256',
  purpose: 'GENERATE_VERIFY_MAC',
  async generate() {
    return randomBytes(32);
  },
  prepare(material) {
    if (material.length !== 32) throw new Error('HMAC_SHA256 material must be 32 bytes');
    return { material };
  },
  mac: (key, message) => createHmac('sha256', key.material).update(message).digest(),
  verifyMac(key, message, mac) {
    const expected = createHmac('sha256', key.material).update(message).digest();
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  },
};
