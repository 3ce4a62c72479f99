import { SecretStore, newSecretUid } from '../subgraphs/secrets/store/secretStore';
import { startStack, type Stack } from './support/stack';

/**
 * Error messages do not echo the secret path they were given (it is input, and may itself be
 * sensitive): NOT_FOUND and ALREADY_EXISTS say "this path" / "this secret", codes unchanged.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'err-path', kms: true, secrets: true });
  await stack.ok('mutation { createKmsKey(input: { identity: "echo-key", type: AES256_GCM96 }) { identity } }');
  await stack.ok('mutation { createSecret(input: { path: "echo-zq/live-7x", kmsKeyIdentity: "echo-key", value: "v1" }) { path } }');
  await stack.ok('mutation { putSecretValue(input: { path: "echo-zq/live-7x", value: "v2" }) { version } }');
  await stack.ok('mutation { deleteSecretVersions(path: "echo-zq/live-7x", versions: [1]) { path } }');
});
afterAll(() => stack.stop());

const LIVE = 'echo-zq/live-7x';
const ABSENT = 'echo-zq/absent-9w';

it.each([
  ['create on a taken path', 'mutation { createSecret(input: { path: "echo-zq/live-7x", kmsKeyIdentity: "echo-key" }) { path } }', 'ALREADY_EXISTS', 'A secret already exists at this path'],
  ['delete of an absent secret', 'mutation { deleteSecret(path: "echo-zq/absent-9w") }', 'NOT_FOUND', 'No secret at this path'],
  ['reveal of an absent secret', '{ getSecretValue(path: "echo-zq/absent-9w") { value } }', 'NOT_FOUND', 'No secret at this path'],
  ['put to an absent secret', 'mutation { putSecretValue(input: { path: "echo-zq/absent-9w", value: "x" }) { version } }', 'NOT_FOUND', 'No secret at this path'],
  ['update of an absent secret', 'mutation { updateSecret(input: { path: "echo-zq/absent-9w", description: "d" }) { path } }', 'NOT_FOUND', 'No secret at this path'],
  ['version states of an absent secret', 'mutation { deleteSecretVersions(path: "echo-zq/absent-9w", versions: [1]) { path } }', 'NOT_FOUND', 'No secret at this path'],
  ['reveal of a missing version', '{ getSecretValue(path: "echo-zq/live-7x", version: 9) { value } }', 'NOT_FOUND', 'This secret has no version 9'],
  ['reveal of a deleted version', '{ getSecretValue(path: "echo-zq/live-7x", version: 1) { value } }', 'NOT_FOUND', 'Version 1 of this secret is deleted'],
  ['version states of a missing version', 'mutation { undeleteSecretVersions(path: "echo-zq/live-7x", versions: [9]) { path } }', 'NOT_FOUND', 'This secret has no version 9'],
])('%s: code kept, message without the path', async (_, query, code, message) => {
  const r = await stack.gql(query);
  const e = r.body.errors?.[0];
  expect({ code: e?.extensions?.code, message: e?.message }).toEqual({ code, message });
  expect(JSON.stringify(r.body)).not.toContain('live-7x');
  expect(JSON.stringify(r.body)).not.toContain('absent-9w');
});

it('the store\'s own ALREADY_EXISTS (a create that loses a race) names no path either', async () => {
  const store = new SecretStore(stack.services.get('secrets')!.redis);
  const err = await store
    .createSecret({ project: 'default', path: LIVE, region: 'us-east-1', kmsKeyIdentity: 'echo-key', description: null, tags: [], maxVersions: 10, uid: newSecretUid() })
    .then(() => null, (e: { code?: string; message?: string; extensions?: unknown }) => e);
  expect(err?.code).toBe('ALREADY_EXISTS');
  expect(err?.message).toBe('A secret already exists at this path');
  expect(err?.message).not.toContain(LIVE);
  const missing = await store.listVersions('default', ABSENT, 10).then(() => null, (e: { code?: string; message?: string }) => e);
  expect({ code: missing?.code, message: missing?.message }).toEqual({ code: 'NOT_FOUND', message: 'No secret at this path' });
});
