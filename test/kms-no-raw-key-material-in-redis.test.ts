import Redis from 'ioredis';
import { createPrivateKey } from 'node:crypto';
import { testConfig } from './support/env';
import { b64 } from './support/gql';
import { startKmsHarness, type KmsHarness } from './support/kms';
import { Q } from './support/kmsQueries';
import { KeyWrapper } from '../subgraphs/kms/domain/keyWrapper';
import { KEY_TYPES } from '../subgraphs/kms/domain/keyTypes';

/**
 * Scans every Redis key the whole test run has written so far (its run prefix: this file's keys and
 * every other test's, SCAN + a TYPE-aware read of every value) and proves none of this file's key
 * material appears in any encoding: raw, base64, base64url, hex, PEM, or the private scalars.
 */
// RSA-4096 key generation (four of them) dominates this file's run time.
jest.setTimeout(120_000);

let h: KmsHarness;
let raw: Redis;
const prefix = () => h.config.redis.keyPrefix;

beforeAll(async () => {
  h = await startKmsHarness(testConfig({ REGION: 'us-east-1' }, 'kms-nomaterial'));
  raw = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});
afterAll(async () => {
  await h.stop();
  raw.disconnect();
});

async function dumpAll(): Promise<{ keys: string[]; blob: Buffer }> {
  const parts: Buffer[] = [];
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${process.env.TEST_RUN_PREFIX ?? prefix()}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) {
      keys.push(k);
      parts.push(Buffer.from(k));
      const type = await raw.type(k);
      if (type === 'none') continue; // another test's key, deleted since the SCAN
      if (type === 'string') parts.push((await raw.getBuffer(k)) ?? Buffer.alloc(0));
      else if (type === 'hash') for (const [f, v] of Object.entries(await raw.hgetallBuffer(k))) parts.push(Buffer.from(f), v);
      else if (type === 'list') parts.push(...(await raw.lrangeBuffer(k, 0, -1)));
      else if (type === 'set') parts.push(...(await raw.smembersBuffer(k)));
      else if (type === 'zset') parts.push(...(await raw.zrangeBuffer(k, 0, -1)));
      else if (type === 'stream') {
        for (const [id, fields] of (await raw.xrangeBuffer(k, '-', '+')) as [Buffer, Buffer[]][]) parts.push(id, ...fields);
      } else throw new Error(`unexpected Redis type ${type} at ${k}`);
      parts.push(Buffer.from('\u0000'));
    }
  } while (cursor !== '0');
  return { keys, blob: Buffer.concat(parts) };
}

/** Every encoding of a secret byte string we consider a leak. */
function encodings(secret: Buffer): Buffer[] {
  return [secret, Buffer.from(secret.toString('base64')), Buffer.from(secret.toString('base64url')), Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('hex').toUpperCase())];
}

function secretsOf(type: string, material: Buffer): Buffer[] {
  const out = [material];
  if (/^(RSA|ECDSA|ED25519)/.test(type)) {
    const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    const pem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    out.push(Buffer.from(pem));
    // Each 64-char line of the PEM body, and the private JWK components.
    for (const line of pem.split('\n').filter((l) => l && !l.startsWith('-----'))) if (line.length >= 40) out.push(Buffer.from(line));
    const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
    for (const c of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (jwk[c]) out.push(Buffer.from(jwk[c], 'base64url'));
  }
  return out;
}

function leaks(blob: Buffer, secrets: Buffer[]): number {
  let n = 0;
  for (const s of secrets) for (const e of encodings(s)) if (e.length >= 16 && blob.indexOf(e) !== -1) n++;
  return n;
}

it('after creating, rotating and using keys of every type, Redis holds no unwrapped key material', async () => {
  const materials: { type: string; material: Buffer }[] = [];
  for (const type of KEY_TYPES) {
    for (const exportable of [true, false]) {
      const id = `${type.toLowerCase().replace(/_/g, '-')}-${exportable ? 'x' : 'n'}`;
      await h.ok(Q.create, { input: { identity: id, type, exportable, autoRotatePeriodDays: 30 } });
      await h.ok(Q.rotate, { id });
      if (type.startsWith('A') || type.startsWith('C')) await h.ok(Q.encrypt, { input: { keyIdentity: id, plaintext: b64('p') } });
      if (exportable) {
        for (const v of [1, 2]) {
          const ex = (await h.ok(Q.export, { id, v })).exportKmsKey;
          materials.push({ type, material: Buffer.from(ex.keyMaterial, 'base64') });
        }
      }
    }
  }
  await h.ok(Q.schedule, { id: 'aes256-gcm96-n', days: 7 });

  const { keys, blob } = await dumpAll();
  expect(keys.length).toBeGreaterThan(KEY_TYPES.length * 2);

  // Non-exportable keys too: unwrap each ring entry with the root key (as only the KMS can).
  const wrapper = new KeyWrapper(h.config.kmsRootKey!);
  let unwrapped = 0;
  // This file's own rings (the scan also holds every other test's keys).
  for (const k of keys.filter((k) => k.startsWith(prefix()) && k.endsWith(':ring'))) {
    const m = /kms:\{us-east-1:default:([a-z0-9-]+)\}:ring$/.exec(k)!;
    const type = KEY_TYPES.find((t) => m[1].startsWith(t.toLowerCase().replace(/_/g, '-')))!;
    for (const [v, wrapped] of Object.entries(await raw.hgetall(k))) {
      const material = wrapper.unwrap({ region: 'us-east-1', project: 'default', identity: m[1], version: Number(v) }, Buffer.from(wrapped, 'base64'));
      materials.push({ type, material });
      unwrapped++;
    }
  }
  expect(unwrapped).toBe(KEY_TYPES.length * 2 * 2);
  expect(materials.length).toBe(KEY_TYPES.length * 2 + unwrapped);

  const secrets = materials.flatMap(({ type, material }) => secretsOf(type, material));
  // The detector works: material planted under our prefix is found.
  await raw.set(`${prefix()}canary`, `x${materials[0].material.toString('base64')}x`);
  expect(leaks((await dumpAll()).blob, secrets)).toBeGreaterThan(0);
  await raw.del(`${prefix()}canary`);

  expect(leaks(blob, secrets)).toBe(0);
});
