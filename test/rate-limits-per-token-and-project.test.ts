import { failure } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * Request rates per token and per project, counted in Redis by the subgraphs: a token over its
 * rate gets 429 RATE_LIMITED with Retry-After, other tokens are not affected; a project's tokens
 * share the project's rate; one client request counts once however many subgraphs it reaches.
 */
const TOKEN_LIMIT = 6;
const PROJECT_LIMIT = 10;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    label: 'rate-limits',
    kms: true,
    secrets: true,
    env: { RATE_LIMIT_TOKEN_PER_MINUTE: String(TOKEN_LIMIT), RATE_LIMIT_PROJECT_PER_MINUTE: String(PROJECT_LIMIT) },
  });
});
afterAll(() => stack?.stop());

const VIEWER = '{ viewer { id } }';

function expectRateLimited(r: Awaited<ReturnType<Stack['gql']>>, limit: 'token' | 'project') {
  expect(failure(r)).toMatchObject({ status: 429, code: 'RATE_LIMITED', extensions: { limit } });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(r.body.errors![0].extensions!.retryAfter).toBe(retryAfter);
}

it('a token over its rate gets 429 RATE_LIMITED with Retry-After; another token of the project is not affected', async () => {
  const a = await stack.token(['*'], { project: 'rl-token' });
  const b = await stack.token(['*'], { project: 'rl-token' });
  // The same caller-chosen request id on every request: it must not make them count as one.
  for (let i = 0; i < TOKEN_LIMIT; i++) expect((await stack.gql(VIEWER, {}, { token: a.token, requestId: 'same-id' })).status).toBe(200);
  expectRateLimited(await stack.gql(VIEWER, {}, { token: a.token, requestId: 'same-id' }), 'token');
  const other = await stack.ok(VIEWER, {}, { token: b.token });
  expect(other.viewer.id).toBe(b.id);
});

it("a project's tokens share the project's rate", async () => {
  const c = await stack.token(['*'], { project: 'rl-project' });
  const d = await stack.token(['*'], { project: 'rl-project' });
  for (let i = 0; i < TOKEN_LIMIT; i++) await stack.ok(VIEWER, {}, { token: c.token });
  for (let i = TOKEN_LIMIT; i < PROJECT_LIMIT; i++) await stack.ok(VIEWER, {}, { token: d.token });
  // d has made 4 requests of its 6: the project's 10 are what stops it.
  expectRateLimited(await stack.gql(VIEWER, {}, { token: d.token }), 'project');
  // Another project is not affected.
  const e = await stack.token(['*'], { project: 'rl-elsewhere' });
  await stack.ok(VIEWER, {}, { token: e.token });
});

it('one client request counts once, whatever subgraphs it reaches and whatever secrets asks KMS on its behalf', async () => {
  const t = await stack.token(['*'], { project: 'rl-fanout' });
  const as = { token: t.token };
  await stack.ok(`mutation { createKmsKey(input: { identity: "k", type: AES256_GCM96 }) { identity } }`, {}, as);
  // secrets checks the key with KMS on the caller's behalf, and the answer resolves Secret.kmsKey from KMS.
  await stack.ok(`mutation { createSecret(input: { path: "s", kmsKeyIdentity: "k" }) { path kmsKey { status } } }`, {}, as);
  await stack.ok(`mutation { putSecretValue(input: { path: "s", value: "v" }) { version } }`, {}, as);
  const everywhere = `{ viewer { id } featureGates { kms } secret(path: "s") { path kmsKey { identity versions { version } } } getSecretValue(path: "s") { value } }`;
  await stack.ok(everywhere, {}, as);
  await stack.ok(everywhere, {}, as);
  await stack.ok(everywhere, {}, as);
  // Six requests so far: the seventh is over the token's rate, and is refused as a whole (no partial data).
  const r = await stack.gql(everywhere, {}, as);
  expectRateLimited(r, 'token');
  expect(r.body.data ?? null).toBeNull();
});
