import { randomBytes } from 'node:crypto';
import type { AccessLogEntry } from '../shared/accessLog';
import { startStack, type Stack } from './support/stack';

/**
 * ACCESS_LOG=on: every service writes one JSON line per GraphQL request it answered (request id,
 * operation, status, code, duration, principal), on stdout, though LOG_LEVEL is silent. A flow
 * with planted values (create / put / getSecretValue / encrypt / decrypt) leaves no value, none of
 * its encodings and not the token anywhere in what the services wrote.
 */
const FIELDS = ['t', 'level', 'service', 'msg', 'requestId', 'operation', 'operationName', 'status', 'code', 'durationMs', 'principal'].sort();

let stack: Stack;
const out: string[] = [];
const original = process.stdout.write.bind(process.stdout);
const capture = () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
};
const release = () => {
  process.stdout.write = original;
};

beforeAll(async () => {
  stack = await startStack({ label: 'access-log', kms: true, secrets: true, env: { ACCESS_LOG: 'on' } });
});
afterAll(async () => {
  release();
  await stack.stop();
});

/** A line as written: the entry's fields, and the service and message every log line carries. */
type Line = AccessLogEntry & { service: string; msg: string };

it('one line per request per service, and no planted value, encoding or token in any of them', async () => {
  const scopes = ['kms:admin', 'kms:encrypt', 'kms:decrypt', 'secrets:read', 'secrets:read_value', 'secrets:write'];
  const { token, id } = await stack.token(scopes);
  const first = `al-first-${randomBytes(16).toString('hex')}`;
  const second = `al-second-${randomBytes(16).toString('hex')}`;
  const plaintext = randomBytes(24);
  const aad = randomBytes(12);
  const planted = [Buffer.from(first), Buffer.from(second), plaintext, aad, Buffer.from(token)];
  const run = `${randomBytes(4).toString('hex')}`;
  const rid = (step: string) => `al-${run}-${step}`;
  const as = (step: string) => ({ token, requestId: rid(step) });

  capture();
  let ciphertext: string;
  try {
    await stack.ok(`mutation MakeKey { createKmsKey(input: { identity: "al-key", type: AES256_GCM96 }) { identity } }`, {}, as('key'));
    await stack.ok(`mutation Create($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path: 'al/db', kmsKeyIdentity: 'al-key', value: first } }, as('create'));
    await stack.ok(`mutation Put($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`, { i: { path: 'al/db', value: second, expectedVersion: 1 } }, as('put'));
    const revealed = await stack.ok(`query Reveal($p: String!) { getSecretValue(path: $p) { value } }`, { p: 'al/db' }, as('reveal'));
    expect(revealed.getSecretValue.value).toBe(second);
    const enc = await stack.ok(`mutation Enc($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, {
      i: { keyIdentity: 'al-key', plaintext: plaintext.toString('base64'), associatedData: aad.toString('base64') },
    }, as('encrypt'));
    ciphertext = enc.encrypt.ciphertext;
    const dec = await stack.ok(`mutation Dec($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, {
      i: { keyIdentity: 'al-key', ciphertext, associatedData: aad.toString('base64') },
    }, as('decrypt'));
    expect(dec.decrypt.plaintext).toBe(plaintext.toString('base64'));
    // A refused one: an unknown token is logged with its code and no principal.
    const refused = await stack.gql(`query Reveal($p: String!) { getSecretValue(path: $p) { value } }`, { p: 'al/db' }, { token: `smk_${'0'.repeat(16)}_${'A'.repeat(43)}`, requestId: rid('refused') });
    expect(refused.status).toBe(401);
    // The services write the line when the answer is done: give the last one its turn.
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    release();
  }

  const text = out.join('');
  const lines: Line[] = text.split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
  for (const l of lines) expect(Object.keys(l).sort()).toEqual(FIELDS);
  const of = (service: string, step: string) => lines.filter((l) => l.service === service && l.requestId === rid(step));

  const steps: [string, string, string, string][] = [
    ['key', 'createKmsKey', 'MakeKey', 'kms-us-east-1'],
    ['create', 'createSecret', 'Create', 'secrets'],
    ['put', 'putSecretValue', 'Put', 'secrets'],
    ['reveal', 'getSecretValue', 'Reveal', 'secrets'],
    ['encrypt', 'encrypt', 'Enc', 'kms-us-east-1'],
    ['decrypt', 'decrypt', 'Dec', 'kms-us-east-1'],
  ];
  for (const [step, operation, operationName, owner] of steps) {
    const gw = of('gateway', step);
    expect(gw).toHaveLength(1);
    expect(gw[0]).toMatchObject({ operation, operationName, status: 200, code: 'OK', principal: id });
    expect(gw[0].durationMs).toBeGreaterThanOrEqual(0);
    const served = of(owner, step);
    expect(served).toHaveLength(1);
    expect(served[0]).toMatchObject({ operation, status: 200, code: 'OK', principal: id });
    expect(typeof served[0].durationMs).toBe('number');
  }
  // Secrets → KMS on the caller's behalf: each call one line, under the same request id and principal.
  expect(of('kms-us-east-1', 'reveal').map((l) => [l.operation, l.code, l.principal])).toEqual([['decrypt', 'OK', id]]);
  expect(of('kms-us-east-1', 'put').map((l) => l.operation)).toContain('encrypt');
  expect(of('gateway', 'refused')).toEqual([expect.objectContaining({ operation: 'getSecretValue', status: 401, code: 'UNAUTHENTICATED', principal: null })]);
  expect(of('secrets', 'refused')).toEqual([expect.objectContaining({ operation: 'unknown', status: 401, code: 'UNAUTHENTICATED', principal: null })]);

  for (const p of planted) {
    for (const form of [p.toString('utf8'), p.toString('base64'), p.toString('base64url'), p.toString('hex')]) {
      if (form.length >= 12) expect(text.includes(form)).toBe(false);
    }
  }
  expect(text.includes(ciphertext!)).toBe(false);
  expect(text).not.toContain('al/db');
});
