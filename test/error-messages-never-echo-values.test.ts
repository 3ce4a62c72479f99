import { randomBytes } from 'node:crypto';
import { postGql, startStack, type GqlResponse, type Stack } from './support/stack';

/**
 * An invalid argument must not come back quoted in the error: graphql-js puts the offending value
 * (a password, a plaintext, a ciphertext) into its variable-coercion, literal-validation and
 * syntax messages. Through the gateway, each bad input below carries a unique marker; the marker
 * appears nowhere in the response (body or headers), while the status is 400 with the right code
 * and the message still says which variable, path and type were wrong.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'no-echo', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "echo-key", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createKmsKey(input: { identity: "echo-sign", type: ED25519 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "echo/s", kmsKeyIdentity: "echo-key", value: "v1" }) { path } }`);
});
afterAll(async () => stack?.stop());

const marker = () => `HUNTER2-MARKER-${randomBytes(8).toString('hex')}`;

/** The response carries the marker nowhere; returns the first error for further checks. */
function expectNoEcho(r: GqlResponse, mark: string, status: number, code: string) {
  const text = JSON.stringify(r.body);
  expect(text).not.toContain(mark);
  expect(text).not.toContain(mark.slice('HUNTER2-MARKER-'.length));
  for (const [name, value] of r.headers) expect(`${name}: ${value}`).not.toContain(mark);
  expect(r.status).toBe(status);
  expect(r.body.errors?.length).toBeGreaterThan(0);
  for (const e of r.body.errors!) expect(e.extensions?.code).toBe(code);
  return r.body.errors![0];
}

const PUT = `mutation($i: PutSecretValueInput!) { putSecretValue(input: $i) { version } }`;
const CREATE = `mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`;
const ENCRYPT = `mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`;

describe('variables that fail coercion (BAD_USER_INPUT, 400)', () => {
  test('putSecretValue: an unknown field, a value of the wrong type, an expectedVersion that is not an Int', async () => {
    let m = marker();
    const unknownField = expectNoEcho(await stack.gql(PUT, { i: { password: m } }), m, 400, 'BAD_USER_INPUT');
    expect(unknownField.message).toBe('Variable "$i" got invalid value; Field "path" of required type "String!" was not provided.');
    m = marker();
    const wrongType = expectNoEcho(await stack.gql(PUT, { i: { path: 'echo/s', value: { password: m } } }), m, 400, 'BAD_USER_INPUT');
    expect(wrongType.message).toBe('Variable "$i" got invalid value at "i.value"; String cannot represent a non string value');
    m = marker();
    const version = expectNoEcho(await stack.gql(PUT, { i: { path: 'echo/s', value: 'ok', expectedVersion: m } }), m, 400, 'BAD_USER_INPUT');
    expect(version.message).toBe('Variable "$i" got invalid value at "i.expectedVersion"; Int cannot represent non-integer value');
  });

  test('createSecret: value as a list, tags with an object value, maxVersions as a string', async () => {
    const m = marker();
    const r = await stack.gql(CREATE, { i: { path: 'echo/new', kmsKeyIdentity: 'echo-key', value: [m], maxVersions: m, tags: [{ key: 'k', value: { m } }] } });
    expectNoEcho(r, m, 400, 'BAD_USER_INPUT');
    expect(r.body.errors!.map((e) => e.message).sort()).toEqual([
      'Variable "$i" got invalid value at "i.maxVersions"; Int cannot represent non-integer value',
      'Variable "$i" got invalid value at "i.tags[0].value"; String cannot represent a non string value',
      'Variable "$i" got invalid value at "i.value"; String cannot represent a non string value',
    ]);
  });

  test('encrypt, decrypt, sign, encryptBatch: plaintext / ciphertext / message of the wrong type', async () => {
    let m = marker();
    expectNoEcho(await stack.gql(ENCRYPT, { i: { keyIdentity: 'echo-key', plaintext: { m } } }), m, 400, 'BAD_USER_INPUT');
    m = marker();
    expectNoEcho(await stack.gql(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'echo-key', ciphertext: [1, m] } }), m, 400, 'BAD_USER_INPUT');
    m = marker();
    expectNoEcho(await stack.gql(`mutation($i: SignInput!) { sign(input: $i) { signature } }`, { i: { keyIdentity: 'echo-sign', message: { m }, keyVersion: m } }), m, 400, 'BAD_USER_INPUT');
    m = marker();
    const batch = expectNoEcho(
      await stack.gql(`mutation($items: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: "echo-key", items: $items) { index } }`, {
        items: [{ plaintext: 'AA==' }, { plaintext: 'AA==', associatedData: { m } }],
      }),
      m,
      400,
      'BAD_USER_INPUT',
    );
    expect(batch.message).toBe('Variable "$items" got invalid value at "items[1].associatedData"; String cannot represent a non string value');
  });

  test('an enum variable (createKmsKey type) and createApiToken fields', async () => {
    let m = marker();
    const enumErr = expectNoEcho(
      await stack.gql(`mutation($t: KeyType!) { createKmsKey(input: { identity: "echo-x", type: $t }) { identity } }`, { t: m }),
      m,
      400,
      'BAD_USER_INPUT',
    );
    expect(enumErr.message).toBe('Variable "$t" got invalid value; Value does not exist in "KeyType" enum.');
    m = marker();
    expectNoEcho(
      await stack.gql(`mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { token } }`, { i: { name: { m }, scopes: ['kms:read'], expiresInDays: m } }),
      m,
      400,
      'BAD_USER_INPUT',
    );
  });
});

describe('literals in the document (GRAPHQL_VALIDATION_FAILED, 400)', () => {
  test('wrong scalar literals keep their location but not their text', async () => {
    const m = marker();
    const q = `mutation { putSecretValue(input: { path: "echo/s", value: 12345, expectedVersion: "${m}" }) { version } }`;
    const r = await stack.gql(q);
    expectNoEcho(r, m, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(r.body.errors!.map((e: any) => [e.message, e.locations?.[0]])).toEqual([
      ['String cannot represent a non string value', { line: 1, column: q.indexOf('12345') + 1 }],
      ['Int cannot represent non-integer value', { line: 1, column: q.indexOf(`"${m}"`) + 1 }],
    ]);
  });

  test('encrypt / decrypt / createApiToken literals of the wrong type', async () => {
    let m = marker();
    expectNoEcho(await stack.gql(`mutation { encrypt(input: { keyIdentity: "echo-key", plaintext: { a: "${m}" } }) { ciphertext } }`), m, 400, 'GRAPHQL_VALIDATION_FAILED');
    m = marker();
    expectNoEcho(await stack.gql(`mutation { decrypt(input: { keyIdentity: "echo-key", ciphertext: ["${m}"], keyVersion: 1 }) { plaintext } }`), m, 400, 'GRAPHQL_VALIDATION_FAILED');
    m = marker();
    expectNoEcho(await stack.gql(`mutation { createApiToken(input: { name: "n", scopes: ["kms:read"], expiresInDays: "${m}" }) { token } }`), m, 400, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('an unknown enum literal is not repeated (suggestions are)', async () => {
    const m = marker().replace(/-/g, '_');
    const err = expectNoEcho(await stack.gql(`mutation { createKmsKey(input: { identity: "echo-y", type: ${m} }) { identity } }`), m, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(err.message).toBe('Value does not exist in "KeyType" enum.');
    const near = await stack.gql(`mutation { createKmsKey(input: { identity: "echo-y", type: ED2551 }) { identity } }`);
    expect(near.body.errors?.[0].message).toBe('Value does not exist in "KeyType" enum. Did you mean the enum value "ED25519"?');
  });
});

describe('syntax errors (GRAPHQL_PARSE_FAILED, 400)', () => {
  test('a string token is described without its content; the location stays', async () => {
    const m = marker();
    const q = `mutation { putSecretValue(input: { path: "echo/s" value: "x" "${m}" }) { version } }`;
    const err = expectNoEcho(await stack.gql(q), m, 400, 'GRAPHQL_PARSE_FAILED');
    expect(err.message).toBe('Syntax Error: Expected Name, found String.');
    expect(err.locations).toEqual([{ line: 1, column: q.indexOf(`"${m}"`) + 1 }]);
  });
});

describe('invalid values that reach the subgraphs keep their own safe messages', () => {
  test('plaintext that is not base64 → BAD_USER_INPUT; malformed ciphertext → INVALID_CIPHERTEXT; neither quotes the value', async () => {
    let m = marker();
    const enc = expectNoEcho(await stack.gql(ENCRYPT, { i: { keyIdentity: 'echo-key', plaintext: m } }), m, 400, 'BAD_USER_INPUT');
    expect(enc.extensions?.field).toBe('plaintext');
    m = marker();
    expectNoEcho(await stack.gql(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'echo-key', ciphertext: `kms:v1:${m}` } }), m, 400, 'INVALID_CIPHERTEXT');
    m = marker();
    expectNoEcho(await stack.gql(`mutation($i: DecryptInput!) { decrypt(input: $i) { plaintext } }`, { i: { keyIdentity: 'echo-key', ciphertext: m } }), m, 400, 'INVALID_CIPHERTEXT');
    m = marker();
    expectNoEcho(await stack.gql(`mutation($i: SignInput!) { sign(input: $i) { signature } }`, { i: { keyIdentity: 'echo-sign', message: m } }), m, 400, 'BAD_USER_INPUT');
  });

  test('the subgraphs redact too (a request that skips the gateway, with the internal secret)', async () => {
    const m = marker();
    const url = stack.running.get('secrets')!.url;
    const r = await postGql(url, PUT, { i: { path: 'echo/s', value: { m } } }, {
      token: stack.rootToken,
      headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET },
    });
    const err = expectNoEcho(r, m, 400, 'BAD_USER_INPUT');
    expect(err.message).toBe('Variable "$i" got invalid value at "i.value"; String cannot represent a non string value');
  });
});
