import { startStack, type Stack } from './support/stack';

/**
 * The gateway tells each subgraph how long it waits (x-timeout-ms). Key generation that finishes
 * after that wait must not write the key: the caller was answered 503, and a 503 has to mean
 * "nothing changed" so that a retry is safe. With KEYGEN_TIMEOUT_MS at its minimum, every key
 * generation outlasts the announced wait less the return-trip margin.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ label: 'kms-keygen-deadline', kms: true, serviceEnv: { gateway: { KEYGEN_TIMEOUT_MS: '100' } } });
});
afterAll(() => stack?.stop());

test.each(['us-east-1', 'eu-west-1'])('%s: a create answered 503 after its deadline leaves no key; a rotation leaves no version', async (region) => {
  const created = await stack.gql(`mutation { createKmsKey(input: { identity: "late", type: ED25519 }) { identity } }`, {}, { region });
  expect(created.status).toBe(503);
  expect(created.body.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_UNAVAILABLE', region });
  expect((await stack.ok(`{ kmsKey(identity: "late") { identity } }`, {}, { region })).kmsKey).toBeNull();

  // A key made by a request that announces no deadline (straight to the subgraph) rotates late too.
  const kms = stack.kms(region);
  const direct = await stack.gql(`mutation { createKmsKey(input: { identity: "on-time", type: ED25519 }) { identity } }`, {}, {
    url: kms.url,
    headers: { 'x-internal-secret': stack.baseEnv.INTERNAL_SECRET },
  });
  expect(direct.status).toBe(200);
  const rotated = await stack.gql(`mutation { rotateKmsKey(identity: "on-time") { latestVersion } }`, {}, { region });
  expect(rotated.status).toBe(503);
  const after = await stack.ok(`{ kmsKey(identity: "on-time") { latestVersion versions { version } } }`, {}, { region });
  expect(after.kmsKey).toEqual({ latestVersion: 1, versions: [{ version: 1 }] });

  // The refusal is in the audit log as a failure, not a success.
  const audit = await stack.ok(`{ auditEvents(filter: { resource: "kms-key:${region}/late" }) { nodes { action outcome errorCode } } }`);
  expect(audit.auditEvents.nodes).toEqual([{ action: 'kms.create_key', outcome: 'FAILURE', errorCode: 'REGION_UNAVAILABLE' }]);
});
