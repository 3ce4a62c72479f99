import { indexKeyNames } from '../subgraphs/secrets/store/secretStore';
import { failure } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * Page cursors are opaque and authenticated: a path-confined token's cursor never names a path it
 * may not see (even when the scan budget cuts the page at such a path), and a cursor is accepted
 * only by the listing, filter and caller that got it; anything else is BAD_USER_INPUT.
 */
let stack: Stack;
let reader: { token: string; id: string };
beforeAll(async () => {
  stack = await startStack({ label: 'cursors', kms: true, secrets: true });
  for (const id of ['cur-a', 'cur-b', 'cur-c']) await stack.ok(`mutation { createKmsKey(input: { identity: "${id}", type: AES256_GCM96 }) { identity } }`);
  for (const path of ['b-private/db', 'team-c/x', 'team-c/y', 'team-c/z']) {
    await stack.ok(`mutation($i: CreateSecretInput!) { createSecret(input: $i) { path } }`, { i: { path, kmsKeyIdentity: 'cur-a', value: 'v1' } });
  }
  for (let i = 2; i <= 3; i++) await stack.ok(`mutation { putSecretValue(input: { path: "team-c/x", value: "v${i}" }) { version } }`);
  reader = await stack.token(['secrets:read', 'kms:read', 'audit:read']);
}, 60_000);
afterAll(async () => stack?.stop());

const LIST = `query($after: String, $prefix: String) { secrets(first: 1, after: $after, pathPrefix: $prefix) { nodes { path } pageInfo { endCursor hasNextPage } } }`;
const list = (after: string | null, token: string, prefix: string | null = null) => stack.gql(LIST, { after, prefix }, { token });
const codeOf = (r: Awaited<ReturnType<Stack['gql']>>) => r.body.errors?.map((e) => e.extensions?.code);

test('a confined page cut by the scan budget at a hidden path hands back a cursor that does not reveal it, and resumes', async () => {
  // Index entries of secrets deleted without cleanup (readers skip them) fill the scan budget,
  // so the budget runs out exactly at the real secret the confined token must not see.
  const redis = stack.services.get('secrets')!.redis;
  const all = indexKeyNames('default').all;
  const pad: (string | number)[] = [];
  for (let i = 0; i < 4999; i++) pad.push(0, `a-gone/${String(i).padStart(4, '0')}`);
  await redis.zadd(all, ...pad);

  const confined = await stack.token(['secrets:read'], { pathPrefixes: ['team-c/'] });
  const first = await stack.ok(`{ secrets(first: 5) { nodes { path } pageInfo { endCursor hasNextPage } } }`, {}, { token: confined.token });
  expect(first.secrets.nodes).toEqual([]);
  expect(first.secrets.pageInfo.hasNextPage).toBe(true);
  const cursor: string = first.secrets.pageInfo.endCursor;
  for (const view of [cursor, Buffer.from(cursor, 'base64url').toString('latin1'), Buffer.from(cursor, 'base64').toString('latin1')]) {
    expect(view).not.toContain('b-private');
    expect(view).not.toContain('a-gone');
  }
  const next = await stack.ok(`query($a: String) { secrets(first: 5, after: $a) { nodes { path } pageInfo { hasNextPage } } }`, { a: cursor }, { token: confined.token });
  expect(next.secrets.nodes.map((n: any) => n.path)).toEqual(['team-c/x', 'team-c/y', 'team-c/z']);
  expect(next.secrets.pageInfo.hasNextPage).toBe(false);
  await redis.zrem(all, ...pad.filter((_, i) => i % 2 === 1).map(String));
}, 60_000);

test('pages follow each other with the cursors every connection hands out', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const d: any = (await list(after, reader.token)).body.data!.secrets;
    seen.push(...d.nodes.map((n: any) => n.path));
    if (!d.pageInfo.hasNextPage) break;
    after = d.pageInfo.endCursor;
  }
  expect(seen).toEqual(['b-private/db', 'team-c/x', 'team-c/y', 'team-c/z']);

  const v1 = await stack.ok(`{ secret(path: "team-c/x") { versions(first: 2) { nodes { version } pageInfo { endCursor } } } }`, {}, { token: reader.token });
  const v2 = await stack.ok(`query($a: String) { secret(path: "team-c/x") { versions(first: 2, after: $a) { nodes { version } } } }`, { a: v1.secret.versions.pageInfo.endCursor }, { token: reader.token });
  expect([...v1.secret.versions.nodes, ...v2.secret.versions.nodes].map((n: any) => n.version)).toEqual([3, 2, 1]);

  const k1 = await stack.ok(`{ kmsKeys(first: 2) { nodes { identity } pageInfo { endCursor } } }`, {}, { token: reader.token });
  const k2 = await stack.ok(`query($a: String) { kmsKeys(first: 2, after: $a) { nodes { identity } } }`, { a: k1.kmsKeys.pageInfo.endCursor }, { token: reader.token });
  expect([...k1.kmsKeys.nodes, ...k2.kmsKeys.nodes].map((n: any) => n.identity)).toEqual(['cur-a', 'cur-b', 'cur-c']);

  const b1 = await stack.ok(`{ kmsKey(identity: "cur-a") { boundSecrets(first: 3) { nodes { path } pageInfo { endCursor } } } }`, {}, { token: reader.token });
  const b2 = await stack.ok(`query($a: String) { kmsKey(identity: "cur-a") { boundSecrets(first: 3, after: $a) { nodes { path } } } }`, { a: b1.kmsKey.boundSecrets.pageInfo.endCursor }, { token: reader.token });
  expect([...b1.kmsKey.boundSecrets.nodes, ...b2.kmsKey.boundSecrets.nodes].map((n: any) => n.path)).toEqual(['b-private/db', 'team-c/x', 'team-c/y', 'team-c/z']);

  const AUDIT = `query($a: String) { auditEvents(filter: { action: "kms.create_key" }, first: 2, after: $a) { nodes { resource } pageInfo { endCursor hasNextPage } } }`;
  const a1 = await stack.ok(AUDIT, { a: null }, { token: reader.token });
  const a2 = await stack.ok(AUDIT, { a: a1.auditEvents.pageInfo.endCursor }, { token: reader.token });
  expect([...a1.auditEvents.nodes, ...a2.auditEvents.nodes].map((n: any) => n.resource)).toEqual(['kms-key:us-east-1/cur-c', 'kms-key:us-east-1/cur-b', 'kms-key:us-east-1/cur-a']);
  expect(a2.auditEvents.pageInfo.hasNextPage).toBe(false);
});

test('a cursor works only on the listing, filter and caller that got it: anything else is BAD_USER_INPUT', async () => {
  const cursor: string = (await list(null, reader.token)).body.data!.secrets.pageInfo.endCursor;
  expect((await list(cursor, reader.token)).status).toBe(200);

  const other = await stack.token(['secrets:read', 'kms:read', 'audit:read']);
  expect(failure(await list(cursor, other.token))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await list(cursor, reader.token, 'team-c/'))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await list(cursor, stack.rootToken))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });

  const elsewhere = [
    `query($a: String) { kmsKeys(after: $a) { nodes { identity } } }`,
    `query($a: String) { auditEvents(after: $a) { nodes { id } } }`,
    `query($a: String) { secret(path: "team-c/x") { versions(after: $a) { nodes { version } } } }`,
    `query($a: String) { kmsKey(identity: "cur-a") { boundSecrets(after: $a) { nodes { path } } } }`,
  ];
  for (const q of elsewhere) expect(codeOf(await stack.gql(q, { a: cursor }, { token: reader.token }))).toContain('BAD_USER_INPUT');

  // A boundSecrets cursor of one key is not one of another key's.
  const b = await stack.ok(`{ kmsKey(identity: "cur-a") { boundSecrets(first: 1) { pageInfo { endCursor } } } }`, {}, { token: reader.token });
  const onB = await stack.gql(`query($a: String) { kmsKey(identity: "cur-b") { boundSecrets(after: $a) { nodes { path } } } }`, { a: b.kmsKey.boundSecrets.pageInfo.endCursor }, { token: reader.token });
  expect(codeOf(onB)).toContain('BAD_USER_INPUT');
  // An audit cursor of one filter is not one of another filter.
  const a = await stack.ok(`{ auditEvents(filter: { action: "kms.create_key" }, first: 1) { pageInfo { endCursor } } }`, {}, { token: reader.token });
  const unfiltered = await stack.gql(`query($a: String) { auditEvents(first: 1, after: $a) { nodes { id } } }`, { a: a.auditEvents.pageInfo.endCursor }, { token: reader.token });
  expect(failure(unfiltered)).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
});

test('forged and garbled cursors are BAD_USER_INPUT', async () => {
  const real: string = (await list(null, reader.token)).body.data!.secrets.pageInfo.endCursor;
  const flipped = real.slice(0, 20) + (real[20] === 'A' ? 'B' : 'A') + real.slice(21);
  const forged = [
    Buffer.from('p:team-c/x').toString('base64url'),
    Buffer.from('team-c/x').toString('base64url'),
    'team-c/x',
    flipped,
    real.slice(0, -4),
    `${real}AAAA`,
    '%%%',
    'A'.repeat(5000),
  ];
  for (const after of forged) expect(failure(await list(after, reader.token))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await stack.gql(`query($a: String) { kmsKeys(after: $a) { nodes { identity } } }`, { a: 'cur-a' }, { token: reader.token }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  expect(failure(await stack.gql(`query($a: String) { auditEvents(after: $a) { nodes { id } } }`, { a: Buffer.from('1-0').toString('base64url') }, { token: reader.token }))).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
  const versions = await stack.gql(`query($a: String) { secret(path: "team-c/x") { versions(after: $a) { nodes { version } } } }`, { a: Buffer.from('v:3').toString('base64url') }, { token: reader.token });
  expect(codeOf(versions)).toContain('BAD_USER_INPUT');
});
