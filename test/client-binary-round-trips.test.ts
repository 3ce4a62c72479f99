import { randomBytes } from 'node:crypto';
import { createClient, decodeBase64, encodeBase64, type SecretsKmsClient } from '../client/src';
import { startStack, type Stack } from './support/stack';

/**
 * Bytes in, bytes out: the client base64-encodes binary inputs and decodes binary outputs, so
 * arbitrary bytes (zero bytes, every byte value, empty, 64 KiB) survive encrypt/decrypt.
 */
let stack: Stack;
let client: SecretsKmsClient;
beforeAll(async () => {
  stack = await startStack({ label: 'client-binary', kms: true, secrets: false });
  client = createClient({ url: stack.gatewayUrl, token: stack.rootToken });
  await client.createKmsKey({ input: { identity: 'bytes', type: 'AES256_GCM96' } });
  await client.createKmsKey({ input: { identity: 'chacha', type: 'CHACHA20_POLY1305', exportable: true } });
  await client.createKmsKey({ input: { identity: 'hmac', type: 'HMAC_SHA256', exportable: true } });
  await client.createKmsKey({ input: { identity: 'ec', type: 'ECDSA_P256' } });
});
afterAll(async () => stack?.stop());

const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);

test.each([
  ['no bytes at all', new Uint8Array(0)],
  ['zero bytes', new Uint8Array(16)],
  ['every byte value', everyByte],
  ['one byte', Uint8Array.of(0)],
  ['random 64 KiB', new Uint8Array(randomBytes(64 * 1024))],
  ['a Buffer', randomBytes(33)],
])('encrypt/decrypt round trip of %s', async (_name, plaintext) => {
  const associatedData = randomBytes(12);
  const enc = await client.encrypt({ input: { keyIdentity: 'bytes', plaintext, associatedData } });
  const dec = await client.decrypt({ input: { keyIdentity: 'bytes', ciphertext: enc.ciphertext, associatedData } });
  expect(dec.plaintext).toBeInstanceOf(Uint8Array);
  expect(Buffer.from(dec.plaintext).equals(Buffer.from(plaintext))).toBe(true);
});

test('a string input is sent as its UTF-8 bytes, never read as base64', async () => {
  const text = 'AAAA ünïcødé 🔐';
  const enc = await client.encrypt({ input: { keyIdentity: 'bytes', plaintext: text, associatedData: 'aad' } });
  const dec = await client.decrypt({ input: { keyIdentity: 'bytes', ciphertext: enc.ciphertext, associatedData: new TextEncoder().encode('aad') } });
  expect(new TextDecoder().decode(dec.plaintext)).toBe(text);
  // The server saw the base64 of those bytes: the raw request decodes to the same text.
  const raw = await stack.ok(`mutation($c: String!) { decrypt(input: { keyIdentity: "bytes", ciphertext: $c, associatedData: "YWFk" }) { plaintext } }`, { c: enc.ciphertext });
  expect(Buffer.from(raw.decrypt.plaintext, 'base64').toString('utf8')).toBe(text);
});

test('batch items round-trip bytes, in order', async () => {
  const items = [Uint8Array.of(0), everyByte, new Uint8Array(randomBytes(100))];
  const enc = await client.encryptBatch({ keyIdentity: 'chacha', items: items.map((plaintext) => ({ plaintext })) });
  const dec = await client.decryptBatch({ keyIdentity: 'chacha', items: enc.map((e) => ({ ciphertext: e.ciphertext! })) });
  expect(dec.map((d) => d.index)).toEqual([0, 1, 2]);
  dec.forEach((d, i) => expect(Buffer.from(d.plaintext!).equals(Buffer.from(items[i]))).toBe(true));
});

test('generateDataKey gives bits/8 bytes of plaintext that decrypt of its ciphertext returns', async () => {
  for (const bits of [128, 256]) {
    const dk = await client.generateDataKey({ input: { keyIdentity: 'bytes', bits } });
    expect(dk.plaintext).toBeInstanceOf(Uint8Array);
    expect(dk.plaintext).toHaveLength(bits / 8);
    expect((await client.decrypt({ input: { keyIdentity: 'bytes', ciphertext: dk.ciphertext } })).plaintext).toEqual(dk.plaintext);
  }
});

test('exportKmsKey keyMaterial comes back as raw key bytes (32 for ChaCha20 and HMAC-SHA256)', async () => {
  for (const identity of ['chacha', 'hmac']) {
    const { keyMaterial } = await client.exportKmsKey({ identity });
    expect(keyMaterial).toBeInstanceOf(Uint8Array);
    expect(keyMaterial).toHaveLength(32);
  }
});

test('sign/verify and MAC over binary messages with zero bytes', async () => {
  const message = Uint8Array.of(0, 0, 255, 0);
  const { signature } = await client.sign({ input: { keyIdentity: 'ec', message } });
  expect((await client.verify({ input: { keyIdentity: 'ec', message, signature } })).valid).toBe(true);
  expect((await client.verify({ input: { keyIdentity: 'ec', message: Uint8Array.of(0, 0, 255), signature } })).valid).toBe(false);
  const { mac } = await client.generateMac({ input: { keyIdentity: 'hmac', message } });
  expect((await client.verifyMac({ input: { keyIdentity: 'hmac', message, mac } })).valid).toBe(true);
});

test('request() runs a document as is: base64 stays a string', async () => {
  const data = await client.request<{ encrypt: { ciphertext: string } }>(
    `mutation($p: String!) { encrypt(input: { keyIdentity: "bytes", plaintext: $p }) { ciphertext } }`,
    { p: encodeBase64(Uint8Array.of(1, 2, 3)) },
  );
  const dec = await client.request<{ decrypt: { plaintext: string } }>(`mutation($c: String!) { decrypt(input: { keyIdentity: "bytes", ciphertext: $c }) { plaintext } }`, { c: data.encrypt.ciphertext });
  expect(decodeBase64(dec.decrypt.plaintext)).toEqual(Uint8Array.of(1, 2, 3));
});
