import Redis from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { startStack, type GqlResponse, type Stack } from './support/stack';

/**
 * Plants known secret values, plaintexts, associated data, messages and tokens, drives every
 * operation through the gateway with them (the failing ways too: wrong and revoked tokens, a
 * disabled key, inputs that a careless error would echo), then scans everything the run left
 * behind: every line every service logged at debug level, every audit event (through the API and
 * raw from the streams) and every Redis key and value under the stack's prefix. No planted value
 * may appear in any of them, raw, base64, base64url or hex: tokens only as their SHA-256,
 * key material only wrapped, plaintext never.
 */
jest.setTimeout(120_000);

interface Planted {
  label: string;
  bytes: Buffer;
}

const planted: Planted[] = [];
/** A fresh distinctive value, remembered for the scan. */
function plant(label: string, bytes: Buffer = randomBytes(24)): Buffer {
  planted.push({ label, bytes });
  return bytes;
}
/** A distinctive printable value (secret values are UTF-8 strings). */
function plantText(label: string): string {
  const s = `pv-${label}-${randomBytes(16).toString('hex')}`;
  plant(label, Buffer.from(s));
  return s;
}
const b64 = (b: Buffer) => b.toString('base64');

const logs: string[] = [];
const errorsSeen: unknown[] = [];
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
let stack: Stack;
let raw: Redis;

function capture(chunk: unknown): boolean {
  logs.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
  return true;
}

beforeAll(async () => {
  // Every service runs in this process and logs through process.stdout / process.stderr (the access log too).
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  stack = await startStack({ label: 'planted', kms: true, secrets: true, env: { LOG_LEVEL: 'debug', ACCESS_LOG: 'on' } });
  raw = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
});

afterAll(async () => {
  await stack?.stop();
  raw?.disconnect();
  process.stdout.write = writes.out as typeof process.stdout.write;
  process.stderr.write = writes.err as typeof process.stderr.write;
});

/** A request whose errors are kept for the scan; `expectCode` (or success) is checked. */
async function call(query: string, variables: Record<string, unknown>, opts: { token?: string | null; region?: string; requestId?: string } = {}, expectCode?: string): Promise<GqlResponse> {
  const r = await stack.gql(query, variables, opts);
  if (r.body.errors) errorsSeen.push(r.body.errors);
  const code = r.body.errors?.[0]?.extensions?.code;
  expect({ query: query.slice(0, 60), code }).toEqual({ query: query.slice(0, 60), code: expectCode });
  return r;
}

async function dumpRedis(): Promise<Buffer> {
  const parts: Buffer[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${stack.prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) {
      parts.push(Buffer.from(k));
      const type = await raw.type(k);
      if (type === 'string') parts.push((await raw.getBuffer(k)) ?? Buffer.alloc(0));
      else if (type === 'hash') for (const [f, v] of Object.entries(await raw.hgetallBuffer(k))) parts.push(Buffer.from(f), v);
      else if (type === 'list') parts.push(...(await raw.lrangeBuffer(k, 0, -1)));
      else if (type === 'set') parts.push(...(await raw.smembersBuffer(k)));
      else if (type === 'zset') parts.push(...(await raw.zrangeBuffer(k, 0, -1)));
      else if (type === 'stream') for (const [id, fields] of (await raw.xrangeBuffer(k, '-', '+')) as [Buffer, Buffer[]][]) parts.push(id, ...fields);
      else if (type !== 'none') throw new Error(`unexpected Redis type ${type} at ${k}`);
      parts.push(Buffer.from('\u0000'));
    }
  } while (cursor !== '0');
  return Buffer.concat(parts);
}

function encodings(b: Buffer): Buffer[] {
  const forms = [b, Buffer.from(b.toString('base64')), Buffer.from(b.toString('base64').replace(/=+$/, '')), Buffer.from(b.toString('base64url')), Buffer.from(b.toString('hex')), Buffer.from(b.toString('hex').toUpperCase())];
  // A JSON-escaped copy of a text value (as a log line or an audit field would hold it).
  forms.push(Buffer.from(JSON.stringify(b.toString('utf8')).slice(1, -1)));
  return forms;
}

function found(where: string, blob: Buffer): string[] {
  const out: string[] = [];
  for (const p of planted) for (const e of encodings(p.bytes)) if (blob.indexOf(e) !== -1) out.push(`${p.label} in ${where}`);
  return [...new Set(out)];
}

const KEY = `mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`;

it('no planted secret, plaintext, associated data, message or token appears in any log, audit event or Redis value', async () => {
  const root = stack.rootToken;
  plant('root token', Buffer.from(root));

  // Tokens: created, used, one revoked and used again, one wrong.
  const createToken = async (scopes: string[], pathPrefixes?: string[]) => {
    const r = await call(`mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token info { id } } }`, { i: { name: 'planted', scopes, pathPrefixes } }, { token: root });
    const t = r.body.data.createApiToken as { token: string; info: { id: string } };
    plant(`token ${scopes.join('+')}`, Buffer.from(t.token));
    return t;
  };
  const worker = await createToken(['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'secrets:read', 'secrets:read_value', 'secrets:write', 'audit:read']);
  const confined = await createToken(['secrets:read', 'secrets:read_value', 'secrets:write'], ['pv/app/']);
  const doomed = await createToken(['kms:read']);
  const t = worker.token;

  for (const [identity, type, exportable] of [['pv-sym', 'AES256_GCM96', false], ['pv-hmac', 'HMAC_SHA256', false], ['pv-ec', 'ECDSA_P256', false], ['pv-exp', 'CHACHA20_POLY1305', true]] as const) {
    await call(KEY, { i: { identity, type, exportable } }, { token: t });
  }

  // Direct cryptography.
  const p1 = plant('encrypt plaintext');
  const ad1 = plant('encrypt associated data');
  const enc = await call(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'pv-sym', plaintext: b64(p1), associatedData: b64(ad1) } }, { token: t });
  const ct1 = enc.body.data.encrypt.ciphertext as string;
  const dec = await call(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'pv-sym', ciphertext: ct1, associatedData: b64(ad1) } }, { token: t });
  expect(dec.body.data.decrypt.plaintext).toBe(b64(p1));
  await call(`mutation { rotateKmsKey(identity: "pv-sym") { latestVersion } }`, {}, { token: t });
  await call(`mutation($i: ReEncryptInput!) { reEncrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'pv-sym', ciphertext: ct1, associatedData: b64(ad1) } }, { token: t });
  await call(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'pv-sym', ciphertext: ct1, associatedData: b64(plant('wrong associated data')) } }, { token: t }, 'INVALID_CIPHERTEXT');

  const batch = [plant('batch plaintext 1'), plant('batch plaintext 2')];
  const ad2 = plant('batch associated data');
  const eb = await call(`mutation($k: String!, $items: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: $k, items: $items) { ciphertext error { code } } }`, { k: 'pv-sym', items: batch.map((p) => ({ plaintext: b64(p), associatedData: b64(ad2) })) }, { token: t });
  const cts = (eb.body.data.encryptBatch as { ciphertext: string }[]).map((x) => x.ciphertext);
  await call(`mutation($k: String!, $items: [DecryptBatchItemInput!]!) { decryptBatch(keyIdentity: $k, items: $items) { plaintext error { code } } }`, { k: 'pv-sym', items: [...cts.map((ciphertext) => ({ ciphertext, associatedData: b64(ad2) })), { ciphertext: cts[0], associatedData: b64(plant('batch wrong associated data')) }] }, { token: t });

  const ad3 = plant('data key associated data');
  const dk = await call(`mutation($i: GenerateDataKeyInput!) { generateDataKey(input: $i) { plaintext ciphertext } }`, { i: { keyIdentity: 'pv-sym', associatedData: b64(ad3) } }, { token: t });
  plant('data key', Buffer.from(dk.body.data.generateDataKey.plaintext, 'base64'));
  await call(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'pv-sym', ciphertext: dk.body.data.generateDataKey.ciphertext, associatedData: b64(ad3) } }, { token: t });

  const m1 = plant('mac message');
  const mac = await call(`mutation($i: GenerateMacInput!) { generateMac(input: $i) { mac } }`, { i: { keyIdentity: 'pv-hmac', message: b64(m1) } }, { token: t });
  await call(`mutation($i: VerifyMacInput!) { verifyMac(input: $i) { valid } }`, { i: { keyIdentity: 'pv-hmac', message: b64(m1), mac: mac.body.data.generateMac.mac } }, { token: t });
  await call(`mutation($i: VerifyMacInput!) { verifyMac(input: $i) { valid } }`, { i: { keyIdentity: 'pv-hmac', message: b64(plant('wrong mac message')), mac: mac.body.data.generateMac.mac } }, { token: t });
  const m2 = plant('signed message');
  const sig = await call(`mutation($i: SignInput!) { sign(input: $i) { signature } }`, { i: { keyIdentity: 'pv-ec', message: b64(m2) } }, { token: t });
  await call(`mutation($i: VerifyInput!) { verify(input: $i) { valid } }`, { i: { keyIdentity: 'pv-ec', message: b64(m2), signature: sig.body.data.sign.signature } }, { token: t });
  await call(`mutation($i: VerifyInput!) { verify(input: $i) { valid } }`, { i: { keyIdentity: 'pv-ec', message: b64(plant('wrong signed message')), signature: sig.body.data.sign.signature } }, { token: t });
  const ex = await call(`mutation { exportKmsKey(identity: "pv-exp") { keyMaterial } }`, {}, { token: t });
  plant('exported key material', Buffer.from(ex.body.data.exportKmsKey.keyMaterial, 'base64'));

  // Secrets: create with a value, put, reveal, batch reveal, conflict, lifecycle.
  const v1 = plantText('first secret value');
  await call(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'pv/db', kmsKeyIdentity: 'pv-sym', value: v1 } }, { token: t });
  await call(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'pv/app/key', kmsKeyIdentity: 'pv-sym', value: plantText('confined secret value') } }, { token: t });
  await call(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'pv/db', value: plantText('second secret value'), expectedVersion: 1 } }, { token: t });
  await call(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'pv/db', value: plantText('conflicting secret value'), expectedVersion: 1 } }, { token: t }, 'VERSION_CONFLICT');
  await call(`query { getSecretValue(path: "pv/db") { value } }`, {}, { token: t });
  await call(`query { getSecretValue(path: "pv/db", version: 1) { value } }`, {}, { token: t });
  await call(`query($p: [String!]!) { batchGetSecretValue(paths: $p) { value error { code } } }`, { p: ['pv/db', 'pv/app/key', 'pv/none'] }, { token: t });
  await call(`query { getSecretValue(path: "pv/app/key") { value } }`, {}, { token: confined.token });
  await call(`query { getSecretValue(path: "pv/db") { value } }`, {}, { token: confined.token }, 'FORBIDDEN');
  await call(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'pv/db', value: plantText('forbidden secret value') } }, { token: confined.token }, 'FORBIDDEN');
  // Canaries the scan must find: a description is stored as given, a request id is logged and audited.
  const canaryDescription = `canary-description-${randomBytes(12).toString('hex')}`;
  const canaryRequestId = `canary-rid-${randomBytes(12).toString('hex')}`;
  await call(`mutation($i: UpdateSecretInput!) { updateSecret(input: $i) { path } }`, { i: { path: 'pv/db', description: canaryDescription, maxVersions: 5 } }, { token: t, requestId: canaryRequestId });
  await call(`mutation { deleteSecretVersions(path: "pv/db", versions: [1]) { currentVersion } }`, {}, { token: t });
  await call(`mutation { undeleteSecretVersions(path: "pv/db", versions: [1]) { currentVersion } }`, {}, { token: t });
  await call(`mutation { destroySecretVersions(path: "pv/db", versions: [1]) { currentVersion } }`, {}, { token: t });
  await call(`query { secrets { nodes { path currentVersion } } secret(path: "pv/db") { path } kmsKeys { nodes { identity } } }`, {}, { token: t });

  // A disabled key: its secrets and its cryptography fail.
  await call(`mutation { disableKmsKey(identity: "pv-sym") { status } }`, {}, { token: t });
  await call(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'pv/db', value: plantText('value for a disabled key') } }, { token: t }, 'KMS_KEY_NOT_ACTIVE');
  await call(`query { getSecretValue(path: "pv/db") { value } }`, {}, { token: t }, 'KMS_KEY_NOT_ACTIVE');
  await call(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'pv-sym', plaintext: b64(plant('plaintext for a disabled key')) } }, { token: t }, 'KMS_KEY_NOT_ACTIVE');
  await call(`mutation { enableKmsKey(identity: "pv-sym") { status } }`, {}, { token: t });

  // Inputs a careless error message or log line would quote.
  const echo = plantText('invalid base64');
  await call(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'pv-sym', plaintext: `${echo}!!` } }, { token: t }, 'BAD_USER_INPUT');
  await call(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'pv-sym', ciphertext: `kms:v1:${plantText('forged ciphertext')}` } }, { token: t }, 'INVALID_CIPHERTEXT');
  await call(`mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'pv/db', value: plantText('oversize value') + 'x'.repeat(70_000) } }, { token: t }, 'BAD_USER_INPUT');
  await call(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'pv/other', kmsKeyIdentity: 'pv-missing', value: plantText('value for a missing key') } }, { token: t }, 'NOT_FOUND');
  await call(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'pv/hmac', kmsKeyIdentity: 'pv-hmac', value: plantText('value for a MAC key') } }, { token: t }, 'UNSUPPORTED_KEY_TYPE');
  // Wrong types: graphql-js quotes the offending value in coercion and validation errors.
  await call(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'pv-sym', plaintext: 'AAAA', keyVersion: plantText('value where an Int goes') } }, { token: t }, 'BAD_USER_INPUT');
  await call(`mutation { putSecretValue(input: { path: "pv/db", value: "x", expectedVersion: "${plantText('inline literal where an Int goes')}" }) { version } }`, {}, { token: t }, 'GRAPHQL_VALIDATION_FAILED');
  await call(`mutation { putSecretValue(input: { path: "pv/db", value: "${plantText('unterminated literal')}`, {}, { token: t }, 'GRAPHQL_PARSE_FAILED');

  // Authentication failures.
  await call(`query { viewer { id } }`, {}, { token: plantText('wrong token') }, 'UNAUTHENTICATED');
  const lookalike = `root_${randomBytes(32).toString('base64url')}`;
  plant('root look-alike token', Buffer.from(lookalike));
  await call(`query { viewer { id } }`, {}, { token: lookalike }, 'UNAUTHENTICATED');
  await call(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: doomed.info.id }, { token: root });
  await call(`query { viewer { id } }`, {}, { token: doomed.token }, 'UNAUTHENTICATED');
  await call(`query { apiTokens { id name } viewer { id scopes } featureGates { kms secrets } }`, {}, { token: root });

  // Every audit event through the API (all pages).
  const events: unknown[] = [];
  let after: string | null = null;
  for (;;) {
    const r: GqlResponse = await call(`query($a: String) { auditEvents(first: 1000, after: $a) { nodes { id time action outcome actor via project region resource requestId errorCode keyVersion } pageInfo { endCursor hasNextPage } } }`, { a: after }, { token: root });
    events.push(...r.body.data.auditEvents.nodes);
    if (!r.body.data.auditEvents.pageInfo.hasNextPage) break;
    after = r.body.data.auditEvents.pageInfo.endCursor;
  }
  expect(events.length).toBeGreaterThan(40);

  const redisBlob = await dumpRedis();
  const logBlob = Buffer.from(logs.join(''));
  // The scan can see: every service's log lines were captured (at debug level), the canaries are
  // where they belong, and Redis does hold each token's SHA-256.
  const logged = new Set(logs.flatMap((l) => [...l.matchAll(/"service":"([^"]+)"/g)].map((m) => m[1])));
  expect([...logged].sort()).toEqual(['gateway', 'kms-eu-west-1', 'kms-us-east-1', 'platform', 'secrets']);
  expect(logs.some((l) => l.includes('"level":"debug"'))).toBe(true);
  expect(JSON.stringify(events).includes(canaryRequestId)).toBe(true);
  expect(redisBlob.includes(canaryRequestId)).toBe(true);
  expect(redisBlob.includes(canaryDescription)).toBe(true);
  expect(redisBlob.indexOf(createHash('sha256').update(worker.token).digest('hex')) !== -1 || redisBlob.indexOf(createHash('sha256').update(worker.token).digest()) !== -1).toBe(true);

  expect([
    ...found('logs', logBlob),
    ...found('audit events', Buffer.from(JSON.stringify(events))),
    ...found('Redis', redisBlob),
    ...found('error responses', Buffer.from(JSON.stringify(errorsSeen))),
  ]).toEqual([]);
});
