import fc from 'fast-check';
import { request, Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isAbstractType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { composedSupergraph, startStack, type Stack } from './support/stack';

/**
 * Random and hostile input on every argument of every root field, and odd headers, through the
 * gateway against the whole stack. Whatever comes in, the answer is success or one of the contract's
 * client error codes (REGION_UNAVAILABLE only where a region without KMS was asked for), never a 500,
 * never a stack frame or an internal path, and every process stays up.
 *
 * CI runs a few thousand cases. Long runs: `npm run fuzz` (FUZZ_SECONDS, default 600), or
 * FUZZ_RUNS=<cases per property>. A failure prints fast-check's seed and path; replay it with
 * FUZZ_SEED=<seed> FUZZ_PATH=<path>. FUZZ_COLLECT=<file> appends every violation to that file as one
 * JSON line and carries on (for triage of a long run) instead of failing at the first.
 */

const FUZZ_SECONDS = Number(process.env.FUZZ_SECONDS ?? 0);
const RUNS_SCALE = Number(process.env.FUZZ_RUNS ?? 0);
jest.setTimeout(FUZZ_SECONDS > 0 ? (FUZZ_SECONDS + 300) * 1000 : 240_000);

/** API.md's client error codes and their HTTP statuses. */
const CLIENT_STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400, GRAPHQL_VALIDATION_FAILED: 400, GRAPHQL_PARSE_FAILED: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403,
  FEATURE_DISABLED: 403, NOT_FOUND: 404, ALREADY_EXISTS: 409, VERSION_CONFLICT: 409, KMS_KEY_NOT_ACTIVE: 400,
  UNSUPPORTED_KEY_TYPE: 400, KEY_REGION_MISMATCH: 400, IMMUTABLE_FIELD: 400, INVALID_CIPHERTEXT: 400, KEY_IN_USE: 409,
  IDEMPOTENCY_CONFLICT: 409, RATE_LIMITED: 429, QUOTA_EXCEEDED: 429,
  // Apollo's own request-level codes: a request without a query, an unknown or mismatched persisted query.
  BAD_REQUEST: 400, PERSISTED_QUERY_NOT_FOUND: 400, PERSISTED_QUERY_NOT_SUPPORTED: 400,
  REGION_UNAVAILABLE: 503,
};
const NO_KMS_REGION = 'ap-southeast-2';

/**
 * Answers the contract does not allow that come from defects whose fix lies outside this test's
 * reach. Each entry: which inputs, and why. The list shrinks to nothing as they are fixed.
 */
const KNOWN_DEFECTS: { reason: string; applies: (c: Case, r: Answer) => boolean }[] = [];

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
  /** Sent as is instead of JSON.stringify({ query, variables }). */
  rawBody?: Buffer;
}
interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

let stack: Stack;
let schema: GraphQLSchema;
let agent: Agent;
const fixtures = {
  identities: ['fz-sym', 'fz-sym128', 'fz-hmac', 'fz-ec', 'fz-ed', 'fz-rsa', 'fz-exp', 'fz-off'],
  paths: ['fz/a', 'fz/b', 'fz/deep/c'],
  ciphertexts: [] as string[],
  macs: [] as string[],
  signatures: [] as string[],
  cursors: [] as string[],
  tokenIds: [] as string[],
  tokens: {} as Record<string, string>,
};

let cases = 0;
/** Per operation, how often each outcome came back: shows whether the cases reach the resolvers. */
const outcomes = new Map<string, Map<string, number>>();
function tally(c: Case, r: Answer): void {
  let code = `HTTP ${r.status}`;
  try {
    const b = JSON.parse(r.text) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
    code = b.errors?.[0]?.extensions?.code ?? (b.data ? 'ok' : code);
  } catch {
    // counted by status
  }
  const m = outcomes.get(c.name) ?? new Map<string, number>();
  m.set(code, (m.get(code) ?? 0) + 1);
  outcomes.set(c.name, m);
}

beforeAll(async () => {
  // Rate limits off: a long run sends far more than a token's per-minute budget, and the harness's
  // own bookkeeping calls must not be refused (rate limiting has its own tests).
  stack = await startStack({ label: 'fuzz', kms: true, secrets: true, env: { RATE_LIMIT_TOKEN_PER_MINUTE: '0', RATE_LIMIT_PROJECT_PER_MINUTE: '0' } });
  schema = buildSchema(await composedSupergraph(), { assumeValidSDL: true });
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const types: Record<string, string> = {
    'fz-sym': 'AES256_GCM96', 'fz-sym128': 'AES128_GCM96', 'fz-hmac': 'HMAC_SHA256', 'fz-ec': 'ECDSA_P256',
    'fz-ed': 'ED25519', 'fz-rsa': 'RSA_2048', 'fz-exp': 'CHACHA20_POLY1305', 'fz-off': 'AES256_GCM96',
  };
  for (const region of ['us-east-1', 'eu-west-1']) {
    for (const [identity, type] of Object.entries(types)) {
      await stack.ok(`mutation($i: CreateKmsKeyInput!) { createKmsKey(input: $i) { identity } }`, { i: { identity, type, exportable: identity === 'fz-exp' } }, { region });
    }
    await stack.ok(`mutation { rotateKmsKey(identity: "fz-sym") { latestVersion } }`, {}, { region });
    await stack.ok(`mutation { disableKmsKey(identity: "fz-off") { status } }`, {}, { region });
  }
  const msg = Buffer.from('fuzz message').toString('base64');
  for (const keyVersion of [1, 2]) {
    const e = await stack.ok(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'fz-sym', plaintext: msg, keyVersion } });
    fixtures.ciphertexts.push(e.encrypt.ciphertext);
  }
  const ad = await stack.ok(`mutation($i: EncryptInput!) { encrypt(input: $i) { ciphertext } }`, { i: { keyIdentity: 'fz-sym', plaintext: msg, associatedData: msg } });
  fixtures.ciphertexts.push(ad.encrypt.ciphertext);
  fixtures.macs.push((await stack.ok(`mutation($i: GenerateMacInput!) { generateMac(input: $i) { mac } }`, { i: { keyIdentity: 'fz-hmac', message: msg } })).generateMac.mac);
  for (const keyIdentity of ['fz-ec', 'fz-ed', 'fz-rsa']) {
    fixtures.signatures.push((await stack.ok(`mutation($i: SignInput!) { sign(input: $i) { signature } }`, { i: { keyIdentity, message: msg } })).sign.signature);
  }
  for (const path of fixtures.paths) {
    await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'fz-sym', value: 'v1', tags: [{ key: 'k', value: 'v' }] } });
  }
  const listings = [
    `{ kmsKeys(first: 1) { pageInfo { endCursor } } }`,
    `{ secrets(first: 1) { pageInfo { endCursor } } }`,
    `{ auditEvents(first: 1) { pageInfo { endCursor } } }`,
  ];
  for (const q of listings) {
    const d = await stack.ok(q);
    const c = Object.values(d as Record<string, { pageInfo: { endCursor: string | null } }>)[0].pageInfo.endCursor;
    if (c) fixtures.cursors.push(c);
  }
  const reader = await stack.token(['kms:read', 'secrets:read', 'audit:read']);
  const confined = await stack.token(['secrets:read', 'secrets:read_value', 'secrets:write'], { pathPrefixes: ['fz/deep/'] });
  const admin = await stack.token(['admin', 'kms:admin', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:read', 'secrets:read', 'secrets:write', 'audit:read']);
  const other = await stack.token(['kms:read', 'kms:encrypt', 'kms:decrypt', 'secrets:read', 'secrets:read_value', 'admin'], { project: 'fuzz-other' });
  const revoked = await stack.token(['kms:read']);
  await stack.ok(`mutation($id: ID!) { revokeApiToken(id: $id) }`, { id: revoked.id });
  fixtures.tokens = { reader: reader.token, confined: confined.token, admin: admin.token, other: other.token, revoked: revoked.token };
  fixtures.tokenIds = [reader.id, confined.id, other.id, revoked.id];
}, 120_000);

afterAll(async () => {
  agent?.destroy();
  await stack?.stop();
  // eslint-disable-next-line no-console
  const lines = [...outcomes].map(([name, m]) => `${name}: ${[...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  console.log(`fuzz: ${cases} cases\n${lines.join('\n')}`);
});

// ---------- sending ----------

function send(c: Case): Promise<Answer> {
  const url = new URL(stack.gatewayUrl);
  const body = c.rawBody ?? Buffer.from(JSON.stringify({ query: c.query, variables: c.variables }));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, ...c.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const INTERNALS = [/\/work\//, /node_modules/, /\bat [\w.<>$]+ \(/, /\bat (?:file:|\/|node:)/, /\.[tj]s:\d+/];

function mentionsNoKmsRegion(c: Case): boolean {
  return JSON.stringify(c.variables).includes(NO_KMS_REGION) || Object.values(c.headers).some((v) => v.includes(NO_KMS_REGION)) || (c.rawBody?.includes(NO_KMS_REGION) ?? false);
}

/** Errors carry only the contract's client codes and nothing internal. */
function errorsViolation(c: Case, errors: { extensions?: { code?: string } }[]): string | null {
  const text = JSON.stringify(errors);
  for (const re of INTERNALS) if (re.test(text)) return `internal detail ${re} in errors`;
  for (const e of errors) {
    const code = e.extensions?.code ?? 'none';
    if (!(code === 'REGION_UNAVAILABLE' ? mentionsNoKmsRegion(c) : code in CLIENT_STATUS)) return `code ${code}`;
  }
  return null;
}

/** The properties every answer must have; returns what is wrong, or null. */
function violation(c: Case, r: Answer): string | null {
  if (KNOWN_DEFECTS.some((d) => d.applies(c, r))) return null;
  // Node's own HTTP parser refuses headers over its 16 KiB limit before any of our code runs.
  if (r.status === 431) return Object.values(c.headers).join('').length > 8_000 ? null : 'unexpected 431';
  let body: { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(r.text);
  } catch {
    return `non-JSON answer ${r.status}`;
  }
  // A batch (if the gateway ever accepts one) answers one result per operation.
  if (Array.isArray(body)) {
    for (const one of body as { errors?: { extensions?: { code?: string } }[] }[]) {
      const v = errorsViolation(c, one.errors ?? []);
      if (v) return `in a batch: ${v}`;
    }
    return r.status === 200 || r.status === 400 ? null : `HTTP ${r.status} for a batch`;
  }
  const bad = errorsViolation(c, body.errors ?? []);
  if (bad) return `${bad} (HTTP ${r.status})`;
  const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'none');
  if (codes.length === 0) return r.status === 200 && body.data ? null : `HTTP ${r.status} without an error code`;
  // API.md: no data (null, or every root field null) answers the first error's status; partial data 200.
  const noData = !body.data || Object.values(body.data).every((v) => v === null);
  const expected = noData ? CLIENT_STATUS[codes[0]] : 200;
  if (r.status !== expected) return `HTTP ${r.status} for ${noData ? `no data and ${codes[0]}` : 'partial data'} (expected ${expected})`;
  return null;
}

async function check(c: Case): Promise<void> {
  cases++;
  // revokeApiToken(id: "root") really revokes the root token (tested on its own in
  // platform-root-token-revoked-until-a-new-one-is-configured), which would leave every later case
  // UNAUTHENTICATED and the harness without its token: that one id is sent as a look-alike.
  if (c.name === 'mutation revokeApiToken' && (c.variables as Record<string, unknown>).id === 'root') {
    c = { ...c, variables: { ...c.variables, id: 'root-look-alike' } };
  }
  const r = await send(c);
  tally(c, r);
  // A gate turned off would leave every later case at FEATURE_DISABLED: turn them back on.
  if (c.name === 'mutation setFeatureGate') await restoreGates();
  const v = violation(c, r);
  if (v && process.env.FUZZ_COLLECT) {
    require('node:fs').appendFileSync(process.env.FUZZ_COLLECT, JSON.stringify({ name: c.name, v, answer: r.text.slice(0, 300), variables: c.variables, headers: c.headers, raw: c.rawBody?.toString('latin1') }).slice(0, 3000) + '\n');
    return;
  }
  if (v) {
    const sent = JSON.stringify({ variables: c.variables, headers: c.headers, rawBody: c.rawBody?.toString('latin1') });
    throw new Error(`${c.name}: ${v}\nanswer: ${r.text.slice(0, 600)}\nsent: ${sent.slice(0, 2000)}`);
  }
}

async function restoreGates(): Promise<void> {
  for (const feature of ['kms', 'secrets']) {
    await stack.ok(`mutation($f: String!) { setFeatureGate(feature: $f, enabled: true) { __typename } }`, { f: feature });
  }
}

// ---------- arbitraries ----------

const ALPHA = 'abcdefghijklmnopqrstuvwxyz0123456789-';
const PATH_CHARS = 'ABCabcxyz0189_.@+=-';
const charsOf = (s: string) => fc.constantFrom(...s.split(''));

/** Strings that break things: empty, NUL, lone surrogates, traversal, control and wide characters, huge. */
const nasty = fc.constantFrom(
  '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\uffff', '\u202e', '💥', 'ünïcødé', 'a/../b', '../etc/passwd', '/leading',
  'trailing/', 'a//b', './a', 'a/./b', '\\', '%00', '%2e%2e/', '\r\n', '\t', '"', "'", '{}', '[]', 'null', 'undefined', '__proto__',
  'constructor', '$', '${x}', '*', '?', 'kms:', 'kms:v1:', 'kms:v0:AAAA', 'kms:v-1:AAAA', 'kms:v99999999999:AAAA', 'kms:v1:!!!!',
  '0', '-1', '1e309', 'NaN', 'root', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(512), 'a'.repeat(513),
);
/** Up to a few hundred KiB: far past every field's own limit, well within the body limit. */
const huge = fc.tuple(fc.integer({ min: 1_000, max: 300_000 }), fc.constantFrom('a', 'é', '💥', '/', '\u0000', 'A/')).map(([n, ch]) => ch.repeat(Math.ceil(n / ch.length)));
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 1, arbitrary: huge },
);
const identityArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...fixtures.identities) },
  { weight: 2, arbitrary: fc.string({ unit: charsOf(ALPHA), minLength: 1, maxLength: 70 }) },
  { weight: 1, arbitrary: fc.string({ unit: charsOf(ALPHA), minLength: 1, maxLength: 10 }).map((s) => `fz-new-${s}`) },
  { weight: 2, arbitrary: anyString },
);
const pathArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...fixtures.paths) },
  { weight: 2, arbitrary: fc.array(fc.string({ unit: charsOf(PATH_CHARS), minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }).map((s) => s.join('/')) },
  { weight: 1, arbitrary: fc.string({ unit: charsOf(PATH_CHARS + '/'), minLength: 500, maxLength: 530 }) },
  { weight: 2, arbitrary: anyString },
);
const bytesArb = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 65_000, max: 70_000 }).map((n) => randomBytes(n)) },
);
const base64Arb = fc.oneof(
  { weight: 5, arbitrary: bytesArb.map((b) => Buffer.from(b).toString('base64')) },
  { weight: 1, arbitrary: bytesArb.map((b) => Buffer.from(b).toString('base64url')) },
  { weight: 1, arbitrary: bytesArb.map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')) },
  { weight: 1, arbitrary: bytesArb.map((b) => ` ${Buffer.from(b).toString('base64')}\n`) },
  { weight: 1, arbitrary: fc.constantFrom('====', 'A', 'AB=', 'AAA=A', '*&^%', 'QUJD\u0000', '\ud800QUJD') },
  { weight: 2, arbitrary: anyString },
);
const mutate = (s: string, i: number, ch: string) => (s.length === 0 ? ch : s.slice(0, i % s.length) + ch + s.slice((i % s.length) + 1));
const tokenLike = (pool: () => string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.nat().map((i) => pool()[i % Math.max(1, pool().length)] ?? '') },
    { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('A', 'z', '0', '!', '=', ':')).map(([p, i, ch]) => mutate(pool()[p % Math.max(1, pool().length)] ?? '', i, ch)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: -5, max: 2 ** 40 }), base64Arb).map(([v, b]) => `kms:v${v}:${b}`) },
    { weight: 1, arbitrary: anyString },
  );
const ciphertextArb = tokenLike(() => fixtures.ciphertexts);
const macArb = tokenLike(() => [...fixtures.macs, ...fixtures.signatures]);
const cursorArb = fc.oneof(
  { weight: 2, arbitrary: fc.nat().map((i) => fixtures.cursors[i % Math.max(1, fixtures.cursors.length)] ?? '') },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('A', '_', '-', '0', '=')).map(([p, i, ch]) => mutate(fixtures.cursors[p % Math.max(1, fixtures.cursors.length)] ?? '', i, ch)) },
  { weight: 2, arbitrary: fc.jsonValue().map((j) => Buffer.from(JSON.stringify(j)).toString('base64url')) },
  { weight: 1, arbitrary: fc.constantFrom('fz/a', 'fz/deep/c', 'fz-sym', '0-0', '9999999999999-0', '\u0000').map((s) => Buffer.from(s).toString('base64url')) },
  { weight: 2, arbitrary: anyString },
);
const regionArb = fc.oneof(fc.constantFrom('us-east-1', 'eu-west-1', NO_KMS_REGION, 'mars-1', 'US-EAST-1', 'us-east-1 '), anyString);
const scopeArb = fc.oneof(
  fc.constantFrom('kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:admin', 'secrets:read', 'secrets:read_value', 'secrets:write', 'audit:read', 'admin', '*'),
  anyString,
);
const timeArb = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-13-01T00:00:00Z', '0000-00-00', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '275760-09-13T00:00:00Z', 'now', '1e20', '-1', '2026-01-01'),
  anyString,
);
const intArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 12 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300, 1.5, -0.5, 3650, 3651, 1000, 1001) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constantFrom('1', 'one', true, null, [], {})) },
);

/** The value arbitrary of a string argument or input field, chosen by its name. */
function stringArbFor(name: string): fc.Arbitrary<unknown> {
  const n = name.toLowerCase();
  if (n.includes('identity')) return identityArb;
  if (n === 'path' || n === 'paths' || n.startsWith('pathprefix')) return pathArb;
  if (n === 'plaintext' || n === 'associateddata' || n === 'message') return base64Arb;
  if (n === 'ciphertext') return ciphertextArb;
  if (n === 'mac' || n === 'signature') return macArb;
  if (n === 'after') return cursorArb;
  if (n === 'region') return regionArb;
  if (n === 'scopes') return scopeArb;
  if (n === 'project') return fc.oneof(fc.constantFrom('default', 'fuzz-other', 'Other', ''), identityArb);
  if (n === 'feature') return fc.oneof(fc.constantFrom('kms', 'secrets'), anyString);
  if (n === 'since' || n === 'until' || n.endsWith('since')) return timeArb;
  if (n === 'id') return fc.oneof(fc.nat().map((i) => fixtures.tokenIds[i % fixtures.tokenIds.length]), anyString);
  if (n === 'action') return fc.oneof(fc.constantFrom('kms.encrypt', 'secrets.get_value', 'auth.denied'), anyString);
  if (n === 'value') return fc.oneof({ weight: 3, arbitrary: anyString }, { weight: 1, arbitrary: fc.integer({ min: 65_530, max: 65_540 }).map((k) => 'v'.repeat(k)) });
  return anyString;
}

/** Well-formed values of a string argument, by its name: these reach the resolvers and the stores. */
function tameStringFor(name: string): fc.Arbitrary<unknown> {
  const n = name.toLowerCase();
  const pick = (pool: () => string[]) => fc.nat().map((i) => pool()[i % Math.max(1, pool().length)] ?? '');
  if (n.includes('identity')) return fc.oneof(fc.constantFrom(...fixtures.identities), fc.string({ unit: charsOf('abc0-'), minLength: 1, maxLength: 6 }).map((s) => `fz-${s}`));
  if (n === 'path' || n === 'paths') return fc.oneof(fc.constantFrom(...fixtures.paths), fc.constantFrom('fz/new', 'fz/deep/new', 'other/x'));
  if (n.startsWith('pathprefix')) return fc.constantFrom('fz/', 'fz/deep/', 'fz', 'o');
  if (n === 'plaintext' || n === 'associateddata' || n === 'message') return fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64'));
  if (n === 'ciphertext') return pick(() => fixtures.ciphertexts);
  if (n === 'mac' || n === 'signature') return pick(() => [...fixtures.macs, ...fixtures.signatures]);
  if (n === 'after') return pick(() => fixtures.cursors);
  if (n === 'region') return fc.constantFrom('us-east-1', 'eu-west-1');
  if (n === 'scopes') return fc.constantFrom('kms:read', 'kms:encrypt', 'secrets:read', 'secrets:write', 'audit:read', 'admin');
  if (n === 'project') return fc.constantFrom('fuzz-other', 'fuzz-third');
  if (n === 'feature') return fc.constantFrom('kms', 'secrets');
  if (n === 'since' || n === 'until' || n.endsWith('since')) return fc.date({ min: new Date('2025-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (n === 'id') return pick(() => fixtures.tokenIds);
  if (n === 'action') return fc.constantFrom('kms.encrypt', 'secrets.get_value', 'auth.denied');
  return fc.string({ maxLength: 24 });
}

/** Well-formed Int values, by name (the documented ranges and a little past them). */
function tameIntFor(name: string): fc.Arbitrary<number> {
  const n = name.toLowerCase();
  if (n === 'first') return fc.integer({ min: 1, max: 60 });
  if (n === 'bits') return fc.constantFrom(128, 256);
  if (n === 'pendingwindowdays') return fc.integer({ min: 6, max: 31 });
  if (n.endsWith('days')) return fc.integer({ min: 0, max: 40 });
  return fc.integer({ min: 0, max: 4 });
}

type Mode = 'tame' | 'wild' | 'mixed';

/**
 * Values for an argument of `type`. tame: well-formed (reaches the resolvers); wild: hostile
 * anywhere (nulls, wrong types, huge, forged); mixed: tame with a hostile leaf here and there.
 */
function valueArb(type: GraphQLInputType, name: string, mode: Mode, depth = 0, required = false): fc.Arbitrary<unknown> {
  if (mode === 'mixed' && !isNonNullType(type) && !isListType(type) && !isInputObjectType(type)) {
    return fc.oneof({ weight: 6, arbitrary: valueArb(type, name, 'tame', depth) }, { weight: 1, arbitrary: valueArb(type, name, 'wild', depth) });
  }
  if (isNonNullType(type)) {
    if (mode !== 'wild') return valueArb(type.ofType, name, mode, depth, true);
    return fc.oneof({ weight: 20, arbitrary: valueArb(type.ofType, name, mode, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  const optional = !required;
  const typed = ((): fc.Arbitrary<unknown> => {
    if (isListType(type)) {
      const item = valueArb(type.ofType, name, mode, depth + 1);
      if (mode !== 'wild') return fc.array(item, { minLength: optional ? 0 : 1, maxLength: 4 });
      return fc.oneof(
        { weight: 6, arbitrary: fc.array(item, { maxLength: 6 }) },
        // Past every batch limit (1000 items): cheap items, so the body stays small.
        { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1_001, max: 1_500 }), item).map(([n, v]) => Array.from({ length: n }, () => (JSON.stringify(v ?? null).length > 300 ? 'x' : v))) },
        { weight: 1, arbitrary: item },
      );
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of fields) record[f.name] = valueArb(f.type, f.name, mode, depth + 1);
      const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
      const rec = fc.record(record, { requiredKeys: required as never[] });
      if (mode !== 'wild') return rec;
      return fc.oneof(
        { weight: 10, arbitrary: rec },
        { weight: 1, arbitrary: fc.record(record, { requiredKeys: [] }).map((r) => ({ ...r, unknownField: 1 })) },
        { weight: 1, arbitrary: anyString },
      );
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name);
      // RSA-4096 key generation takes seconds: rare, so the run stays fast.
      const common = fc.constantFrom(...values.filter((v) => v !== 'RSA_4096'));
      if (mode !== 'wild') return common;
      return fc.oneof({ weight: 20, arbitrary: common }, { weight: 1, arbitrary: fc.constantFrom(...values) }, { weight: 2, arbitrary: anyString });
    }
    if (isScalarType(type)) {
      if (type.name === 'Int' || type.name === 'Float') return mode === 'wild' ? intArb : tameIntFor(name);
      if (type.name === 'Boolean') return mode === 'wild' ? fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('true', 0, 1) }) : fc.boolean();
      if (mode !== 'wild') return tameStringFor(name);
      return fc.oneof({ weight: 12, arbitrary: stringArbFor(name) }, { weight: 1, arbitrary: fc.constantFrom(0, 1.5, true, [], {}) });
    }
    return fc.constant(null);
  })();
  if (!optional) return typed;
  // An optional argument: sometimes left out (undefined drops it from the JSON), sometimes an explicit null.
  return fc.oneof({ weight: 8, arbitrary: typed }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(null) });
}

/** A selection of the type's leaves, one level of nested objects deep (fields without required arguments). */
function selection(type: GraphQLNamedType, depth = 0): string {
  if (isAbstractType(type)) {
    const parts = schema.getPossibleTypes(type).map((t) => `... on ${t.name} ${selection(t, depth)}`);
    return `{ __typename ${parts.join(' ')} }`;
  }
  if (!isObjectType(type)) return '';
  const picked: string[] = ['__typename'];
  for (const f of Object.values((type as GraphQLObjectType).getFields())) {
    if (f.name.startsWith('_') || f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) picked.push(f.name);
    else if (depth < 1) picked.push(`${f.name} ${selection(named, depth + 1)}`);
  }
  return `{ ${picked.join(' ')} }`;
}

const authArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant('root') },
  { weight: 3, arbitrary: fc.constantFrom('reader', 'confined', 'admin', 'other', 'revoked') },
  { weight: 1, arbitrary: fc.constant('none') },
  { weight: 2, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Bearer root_', 'Basic cm9vdDpyb290', 'bearer x', 'Bearer  x', 'Bearer a b c', 'Bearer \u00ff\u00fe') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => `Bearer ${s.replace(/[\r\n\u0000-\u001f\u007f]/g, '')}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 7_000 }).map((n) => `Bearer ${'A'.repeat(n)}`) },
);
/** A header value as Node sends it: UTF-8 bytes, as latin1 characters (CR, LF and other controls removed). */
const headerBytes = (s: string) => Buffer.from(s.replace(/[\r\n\u0000-\u0008\u000a-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
const regionHeaderArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(undefined, 'us-east-1', 'eu-west-1') },
  { weight: 2, arbitrary: fc.constantFrom(NO_KMS_REGION, 'mars-1', '', 'US-EAST-1', 'us-east-1,eu-west-1', 'ünïcødé-1', '💥') },
  { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer({ min: 1_000, max: 7_000 }).map((n) => 'r'.repeat(n))) },
);
const requestIdArb = fc.oneof(
  { weight: 10, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('ünïcødé', '💥', '../../x', '<script>', '')) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 7_000 }).map((n) => 'i'.repeat(n)) },
);

function headersFor(auth: string, region: string | undefined, requestId: string | undefined): Record<string, string> {
  const h: Record<string, string> = {};
  if (auth === 'root') h.authorization = `Bearer ${stack.rootToken}`;
  else if (auth in fixtures.tokens) h.authorization = `Bearer ${fixtures.tokens[auth]}`;
  else if (auth !== 'none') h.authorization = headerBytes(auth);
  if (region !== undefined) h['x-region'] = headerBytes(region);
  if (requestId !== undefined) h['x-request-id'] = headerBytes(requestId);
  return h;
}

function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): { query: string } {
  const decls = field.args.map((a) => `$${a.name}: ${a.type.toString()}`);
  const args = field.args.map((a) => `${a.name}: $${a.name}`);
  const sel = selection(getNamedType(field.type));
  return { query: `${kind} Fuzz${decls.length ? `(${decls.join(', ')})` : ''} { ${field.name}${args.length ? `(${args.join(', ')})` : ''} ${sel} }` };
}

function caseArb(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): fc.Arbitrary<Case> {
  const { query } = operationFor(kind, field);
  const varsIn = (mode: Mode) => {
    const vars: Record<string, fc.Arbitrary<unknown>> = {};
    for (const a of field.args) vars[a.name] = valueArb(a.type, a.name, mode);
    return fc.record(vars, { requiredKeys: mode === 'wild' ? [] : (field.args.filter((a) => isNonNullType(a.type)).map((a) => a.name) as never[]) });
  };
  const withHeaders = (vars: fc.Arbitrary<Record<string, unknown>>, auth: fc.Arbitrary<string>, region: fc.Arbitrary<string | undefined>) =>
    fc.tuple(vars, auth, region, requestIdArb).map(([variables, a, r, requestId]) => ({ name: `${kind} ${field.name}`, query, variables, headers: headersFor(a, r, requestId) }));
  return fc.oneof(
    { weight: 3, arbitrary: withHeaders(varsIn('tame'), fc.oneof({ weight: 6, arbitrary: fc.constant('root') }, { weight: 1, arbitrary: authArb }), fc.constantFrom(undefined, 'us-east-1', 'eu-west-1')) },
    { weight: 3, arbitrary: withHeaders(varsIn('mixed'), authArb, regionHeaderArb) },
    { weight: 2, arbitrary: withHeaders(varsIn('wild'), authArb, regionHeaderArb) },
  );
}

function rootFields(): { kind: 'query' | 'mutation'; field: GraphQLField<unknown, unknown> }[] {
  const out: { kind: 'query' | 'mutation'; field: GraphQLField<unknown, unknown> }[] = [];
  for (const [kind, type] of [['query', schema.getQueryType()], ['mutation', schema.getMutationType()]] as const) {
    for (const field of Object.values(type!.getFields())) if (!field.name.startsWith('_')) out.push({ kind, field });
  }
  return out;
}

// ---------- running ----------

function params(runs: number): fc.Parameters<[Case]> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  return {
    numRuns: RUNS_SCALE > 0 ? RUNS_SCALE : runs,
    ...(seed !== undefined ? { seed, path: process.env.FUZZ_PATH } : {}),
    // Shrinking replays against a live stack; the seed and the first counterexample say enough.
    endOnFailure: process.env.FUZZ_SHRINK !== '1',
  };
}

async function assertProperty(arb: fc.Arbitrary<Case>, runs: number): Promise<void> {
  // fast-check's failure message starts with the seed and path to replay; jest prints it whole.
  await fc.assert(fc.asyncProperty(arb, check), params(runs));
}

/** Raw bodies: invalid UTF-8 inside JSON strings, broken JSON, batches, wrong shapes. */
const rawBodyArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bad) =>
        Buffer.concat([Buffer.from('{"query":"mutation($p: String!) { putSecretValue(input: { path: \\"fz/a\\", value: $p }) { version } }","variables":{"p":"'), Buffer.from(bad), Buffer.from('"}}')]),
      ),
      fc.constantFrom(0xff, 0xc0, 0xed, 0x80).map((b) => Buffer.concat([Buffer.from('{"query":"{ secret(path: \\"fz/'), Buffer.from([b, 0xa0, 0x80]), Buffer.from('\\") { path } }"}')])),
      fc.constantFrom('', '{', 'null', '[]', '[{}]', '"query"', '{"query":null}', '{"query":1}', '{"query":"{ viewer { id } }","variables":"x"}', '{"query":"{ viewer { id } }","operationName":"Nope"}', '{"query":"query A { viewer { id } } query B { viewer { id } }"}', '{"query":"{ viewer { id } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}').map((s) => Buffer.from(s)),
      fc.integer({ min: 2, max: 300 }).map((n) => Buffer.from(JSON.stringify(Array.from({ length: n }, () => ({ query: '{ viewer { id } }' }))))),
      fc.integer({ min: 100, max: 5_000 }).map((n) => Buffer.from(JSON.stringify({ query: `{ ${'viewer { id } '.repeat(1)}${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }` }))),
      fc.integer({ min: 100, max: 3_000 }).map((n) => Buffer.from(JSON.stringify({ query: `{ ${'secrets { nodes { kmsKey { '.repeat(n / 100)} identity ${'} } }'.repeat(n / 100)} }` }))),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(JSON.stringify({ query: s }))),
    ),
    authArb,
    regionHeaderArb,
  )
  .map(([rawBody, auth, region]) => ({ name: 'raw body', query: '', variables: {}, headers: headersFor(auth, region, undefined), rawBody }));

describe('the gateway answers any input with success or a client error, and stays up', () => {
  const base = 90;

  it('every query and mutation, every argument, with odd headers', async () => {
    const fields = rootFields();
    expect(fields.length).toBeGreaterThan(30);
    if (FUZZ_SECONDS > 0) {
      const deadline = Date.now() + FUZZ_SECONDS * 1000;
      const arbs = [...fields.map((f) => caseArb(f.kind, f.field)), rawBodyArb];
      while (Date.now() < deadline) {
        for (const arb of arbs) {
          if (Date.now() >= deadline) break;
          await assertProperty(arb, RUNS_SCALE > 0 ? RUNS_SCALE : 25);
        }
      }
    } else {
      for (const { kind, field } of fields) await assertProperty(caseArb(kind, field), base);
      await assertProperty(rawBodyArb, 200);
    }
  });

  it('answers the edge inputs fuzzing once found with client errors', async () => {
    const root = { authorization: `Bearer ${stack.rootToken}` };
    const audit = `query($after: String, $filter: AuditEventFilterInput) { auditEvents(after: $after, filter: $filter) { nodes { id } } }`;
    const cursor = (s: string) => Buffer.from(s).toString('base64url');
    const edge: Case[] = [
      ...['0-0', '00000000000000000000-0', '99999999999999999999-0', '1-99999999999999999999'].map((c) => ({ name: 'query auditEvents', query: audit, variables: { after: cursor(c) }, headers: root })),
      ...['0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z'].flatMap((t) => ['since', 'until'].map((k) => ({ name: 'query auditEvents', query: audit, variables: { filter: { [k]: t } }, headers: root }))),
      { name: 'raw body', query: '', variables: {}, headers: root, rawBody: Buffer.from('{"query":"{ viewer { id } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}') },
    ];
    for (const c of edge) await check(c);
  });

  it('leaves every process alive', async () => {
    for (const [name, r] of stack.running) {
      const res = await fetch(new URL('/health/live', r.url));
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
    }
    // And the stack still does real work (with a key the fuzzing could not have touched).
    await stack.ok(`mutation { createKmsKey(input: { identity: "after-fuzz", type: AES256_GCM96 }) { identity } }`, {}, { region: 'eu-west-1' });
    const d = await stack.ok(`mutation($i: EncryptInput!) { encrypt(input: $i) { keyVersion } }`, { i: { keyIdentity: 'after-fuzz', plaintext: 'AAAA' } }, { region: 'eu-west-1' });
    expect(d.encrypt.keyVersion).toBe(1);
  });
});
