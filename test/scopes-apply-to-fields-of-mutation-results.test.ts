import { startStack, type Stack } from './support/stack';

/**
 * A type's read scope covers its fields wherever it appears: a secrets:write token's updateSecret
 * answers its `path`, but the secret's versions and metadata need secrets:read; a kms:admin
 * token's createKmsKey answers `identity`, but KmsKey's other fields need kms:read. A mutation
 * whose selection asks for fields the caller may not read is refused (403 FORBIDDEN, one
 * auth.denied event) before it runs, so the refusal never hides a change that happened anyway.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'field-scopes', kms: true, secrets: true });
  await stack.ok(`mutation { createKmsKey(input: { identity: "fs", type: AES256_GCM96 }) { identity } }`);
  await stack.ok(`mutation { createSecret(input: { path: "fs/db", kmsKeyIdentity: "fs", value: "first value" }) { path } }`);
});
afterAll(async () => stack?.stop());

const deniedEvents = async (requestId: string) =>
  (await stack.ok(`query($r: String!) { auditEvents(filter: { requestId: $r, action: "auth.denied" }) { nodes { outcome resource errorCode actor } } }`, { r: requestId })).auditEvents.nodes;

test('secrets:write alone: updateSecret { path } works, updateSecret { versions } is FORBIDDEN and audited', async () => {
  const writer = await stack.token(['secrets:write']);
  const ok = await stack.ok(`mutation { updateSecret(input: { path: "fs/db", description: "one" }) { path } }`, {}, { token: writer.token });
  expect(ok.updateSecret.path).toBe('fs/db');

  const rid = `fs-versions-${writer.id}`;
  const r = await stack.gql(`mutation { updateSecret(input: { path: "fs/db", description: "two" }) { path versions { nodes { version kmsKeyVersion } } description currentVersion } }`, {}, { token: writer.token, requestId: rid });
  expect(r.status).toBe(403);
  expect(r.body.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([['FORBIDDEN', 'updateSecret']]);
  expect(JSON.stringify(r.body.data ?? null)).not.toMatch(/"version"|currentVersion|"two"/);
  const events = await deniedEvents(rid);
  expect(events).toEqual([{ outcome: 'DENIED', resource: 'secret:fs/db', errorCode: 'FORBIDDEN', actor: writer.id }]);
  // Refused before it ran: the description is still the first update's.
  expect((await stack.ok(`{ secret(path: "fs/db") { description } }`)).secret.description).toBe('one');

  const both = await stack.token(['secrets:write', 'secrets:read']);
  const full = await stack.ok(`mutation { updateSecret(input: { path: "fs/db", description: "three" }) { path description versions { nodes { version } } } }`, {}, { token: both.token });
  expect(full.updateSecret).toEqual({ path: 'fs/db', description: 'three', versions: { nodes: [{ version: 1 }] } });
});

test('kms:admin alone: createKmsKey { identity } works, its other fields are FORBIDDEN and audited', async () => {
  const admin = await stack.token(['kms:admin']);
  expect((await stack.ok(`mutation { createKmsKey(input: { identity: "fs-one", type: AES256_GCM96 }) { identity region } }`, {}, { token: admin.token })).createKmsKey).toEqual({ identity: 'fs-one', region: 'us-east-1' });

  const rid = `fs-kms-${admin.id}`;
  const r = await stack.gql(`mutation { createKmsKey(input: { identity: "fs-two", type: AES256_GCM96 }) { identity type status versions { version } } }`, {}, { token: admin.token, requestId: rid });
  expect(r.status).toBe(403);
  expect(r.body.errors?.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual([['FORBIDDEN', 'createKmsKey']]);
  expect(JSON.stringify(r.body.data ?? null)).not.toMatch(/AES256|ACTIVE|"version"/);
  expect(await deniedEvents(rid)).toEqual([{ outcome: 'DENIED', resource: 'kms-key:us-east-1/fs-two', errorCode: 'FORBIDDEN', actor: admin.id }]);
  // Refused before it ran: no key was created.
  expect((await stack.ok(`{ kmsKey(identity: "fs-two") { identity } }`)).kmsKey).toBeNull();
  // Also on a key another mutation returns; the rotation did not happen.
  const rotated = await stack.gql(`mutation { rotateKmsKey(identity: "fs-one") { identity latestVersion } }`, {}, { token: admin.token });
  expect(rotated.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  expect((await stack.ok(`{ kmsKey(identity: "fs-one") { latestVersion } }`)).kmsKey.latestVersion).toBe(1);

  const both = await stack.token(['kms:admin', 'kms:read']);
  const full = await stack.ok(`mutation { createKmsKey(input: { identity: "fs-three", type: AES256_GCM96 }) { identity type status versions { version } } }`, {}, { token: both.token });
  expect(full.createKmsKey).toEqual({ identity: 'fs-three', type: 'AES256_GCM96', status: 'ACTIVE', versions: [{ version: 1 }] });
});
