import { randomUUID } from 'node:crypto';
import { b64 } from './support/gql';
import { startStack, type Stack } from './support/stack';

/**
 * Every kms operation through the gateway writes its API.md audit action (with keyVersion where a
 * version was used), readable with auditEvents through the gateway; and no audit event carries the
 * plaintext, ciphertext, signature, MAC, data key, key material or token that went through.
 */
const REGION = 'eu-west-1';
let stack: Stack;
let token = '';
let actor = '';
/** Values that must never show up in the audit log. */
const secrets: string[] = [];

const EVENT_FIELDS = 'id time action outcome actor via project region resource requestId errorCode keyVersion';

/** Runs one operation under a fresh request id; returns its data and the events of that request. */
async function run(query: string, variables: Record<string, unknown> = {}): Promise<{ data: any; events: any[]; requestId: string }> {
  const requestId = randomUUID();
  const r = await stack.gql(query, variables, { token, region: REGION, headers: { 'x-request-id': requestId } });
  expect(r.headers.get('x-request-id')).toBe(requestId);
  const ev = await stack.ok(`query($f: AuditEventFilterInput) { auditEvents(filter: $f, first: 50) { nodes { ${EVENT_FIELDS} } } }`, { f: { requestId } }, { token });
  return { data: r.body.data, events: ev.auditEvents.nodes, requestId };
}

/** Expects exactly one event of the request: this action, SUCCESS, on this key, with this keyVersion. */
function expectEvent(events: any[], requestId: string, action: string, identity: string, keyVersion: number | null, outcome = 'SUCCESS', errorCode: string | null = null): void {
  expect(events).toHaveLength(1);
  expect(events[0]).toEqual({
    id: expect.any(String), time: expect.any(String),
    action, outcome, actor, via: null, project: 'default', region: REGION,
    resource: `kms-key:${REGION}/${identity}`, requestId, errorCode, keyVersion,
  });
}

beforeAll(async () => {
  stack = await startStack({ label: 'kms-gw-audit', kms: true });
  const t = await stack.token(['kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:admin', 'audit:read']);
  token = t.token;
  secrets.push(token);
  // The actor is the principal id exactly as viewer.id shows it.
  actor = (await stack.ok(`{ viewer { id } }`, {}, { token })).viewer.id;
  expect(actor).toBe(t.id);
  expect(actor).toBeTruthy();
}, 60_000);
afterAll(async () => stack?.stop());

const PT = 'audit-plaintext-canary-7f3a';
const AAD = 'audit-aad';
let ctV1 = '';

test('lifecycle: kms.create_key, kms.rotate_key, kms.update_key, kms.disable_key, kms.enable_key with keyVersion', async () => {
  let r = await run(`mutation { createKmsKey(input: { identity: "enc", type: AES256_GCM96, exportable: true }) { latestVersion } }`);
  expectEvent(r.events, r.requestId, 'kms.create_key', 'enc', 1);

  r = await run(`mutation { encrypt(input: { keyIdentity: "enc", plaintext: "${b64(PT)}", associatedData: "${b64(AAD)}" }) { ciphertext keyVersion } }`);
  ctV1 = r.data.encrypt.ciphertext;
  secrets.push(ctV1, ctV1.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.encrypt', 'enc', 1);

  r = await run(`mutation { rotateKmsKey(identity: "enc") { latestVersion } }`);
  expect(r.data.rotateKmsKey.latestVersion).toBe(2);
  expectEvent(r.events, r.requestId, 'kms.rotate_key', 'enc', 2);

  r = await run(`mutation { updateKmsKey(input: { identity: "enc", description: "d" }) { latestVersion } }`);
  expectEvent(r.events, r.requestId, 'kms.update_key', 'enc', 2);

  r = await run(`mutation { disableKmsKey(identity: "enc") { status } }`);
  expectEvent(r.events, r.requestId, 'kms.disable_key', 'enc', 2);

  r = await run(`mutation { enableKmsKey(identity: "enc") { status } }`);
  expectEvent(r.events, r.requestId, 'kms.enable_key', 'enc', 2);
});

test('crypto: kms.encrypt / kms.decrypt / kms.reencrypt / kms.generate_data_key with the version used', async () => {
  let r = await run(`mutation { decrypt(input: { keyIdentity: "enc", ciphertext: "${ctV1}", associatedData: "${b64(AAD)}" }) { plaintext keyVersion } }`);
  expect(r.data.decrypt.plaintext).toBe(b64(PT));
  expectEvent(r.events, r.requestId, 'kms.decrypt', 'enc', 1);

  r = await run(`mutation { reEncrypt(input: { keyIdentity: "enc", ciphertext: "${ctV1}", associatedData: "${b64(AAD)}" }) { ciphertext keyVersion } }`);
  expect(r.data.reEncrypt.keyVersion).toBe(2);
  secrets.push(r.data.reEncrypt.ciphertext, r.data.reEncrypt.ciphertext.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.reencrypt', 'enc', 2);

  r = await run(`mutation { generateDataKey(input: { keyIdentity: "enc", bits: 128 }) { plaintext ciphertext keyVersion } }`);
  expect(r.data.generateDataKey.keyVersion).toBe(2);
  secrets.push(r.data.generateDataKey.plaintext, Buffer.from(r.data.generateDataKey.plaintext, 'base64').toString('hex'), r.data.generateDataKey.ciphertext.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.generate_data_key', 'enc', 2);

  r = await run(`mutation { encryptBatch(keyIdentity: "enc", items: [{ plaintext: "${b64(PT + '-batch')}" }]) { ciphertext } }`);
  secrets.push(r.data.encryptBatch[0].ciphertext.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.encrypt', 'enc', 2);

  r = await run(`mutation { decryptBatch(keyIdentity: "enc", items: [{ ciphertext: "${ctV1}", associatedData: "${b64(AAD)}" }]) { plaintext } }`);
  expect(r.data.decryptBatch[0].plaintext).toBe(b64(PT));
  expectEvent(r.events, r.requestId, 'kms.decrypt', 'enc', 1);

  // A failure is audited too, with its code (and no ciphertext).
  const tampered = ctV1.slice(0, -4) + (ctV1.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  r = await run(`mutation { decrypt(input: { keyIdentity: "enc", ciphertext: "${tampered}", associatedData: "${b64(AAD)}" }) { plaintext } }`);
  expect(r.data).toBeNull();
  expectEvent(r.events, r.requestId, 'kms.decrypt', 'enc', null, 'FAILURE', 'INVALID_CIPHERTEXT');
});

test('kms.export_key with the exported version', async () => {
  let r = await run(`mutation { exportKmsKey(identity: "enc", version: 1) { version keyMaterial } }`);
  expect(r.data.exportKmsKey.version).toBe(1);
  const material = Buffer.from(r.data.exportKmsKey.keyMaterial, 'base64');
  expect(material).toHaveLength(32);
  secrets.push(r.data.exportKmsKey.keyMaterial, material.toString('hex'), material.toString('base64url'));
  expectEvent(r.events, r.requestId, 'kms.export_key', 'enc', 1);

  r = await run(`mutation { exportKmsKey(identity: "enc") { version keyMaterial } }`);
  expect(r.data.exportKmsKey.version).toBe(2);
  secrets.push(r.data.exportKmsKey.keyMaterial, Buffer.from(r.data.exportKmsKey.keyMaterial, 'base64').toString('hex'));
  expectEvent(r.events, r.requestId, 'kms.export_key', 'enc', 2);
});

test('signing: kms.sign / kms.verify, kms.generate_mac / kms.verify_mac with keyVersion', async () => {
  await run(`mutation { createKmsKey(input: { identity: "sig", type: ED25519 }) { identity } }`);
  await run(`mutation { createKmsKey(input: { identity: "mac", type: HMAC_SHA256 }) { identity } }`);
  await run(`mutation { rotateKmsKey(identity: "mac") { latestVersion } }`);
  const msg = b64('audit-message-canary');
  secrets.push(msg);

  let r = await run(`mutation { sign(input: { keyIdentity: "sig", message: "${msg}" }) { signature keyVersion } }`);
  const signature = r.data.sign.signature;
  secrets.push(signature.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.sign', 'sig', 1);

  r = await run(`mutation { verify(input: { keyIdentity: "sig", message: "${msg}", signature: "${signature}" }) { valid } }`);
  expect(r.data.verify.valid).toBe(true);
  expectEvent(r.events, r.requestId, 'kms.verify', 'sig', 1);

  r = await run(`mutation { generateMac(input: { keyIdentity: "mac", message: "${msg}", keyVersion: 1 }) { mac keyVersion } }`);
  const macV1 = r.data.generateMac.mac;
  secrets.push(macV1.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.generate_mac', 'mac', 1);

  r = await run(`mutation { generateMac(input: { keyIdentity: "mac", message: "${msg}" }) { mac keyVersion } }`);
  secrets.push(r.data.generateMac.mac.split(':')[2]);
  expectEvent(r.events, r.requestId, 'kms.generate_mac', 'mac', 2);

  r = await run(`mutation { verifyMac(input: { keyIdentity: "mac", message: "${msg}", mac: "${macV1}" }) { valid } }`);
  expect(r.data.verifyMac.valid).toBe(true);
  expectEvent(r.events, r.requestId, 'kms.verify_mac', 'mac', 1);

  r = await run(`mutation { verifyMac(input: { keyIdentity: "mac", message: "${b64('other')}", mac: "${macV1}" }) { valid } }`);
  expect(r.data.verifyMac.valid).toBe(false);
  expectEvent(r.events, r.requestId, 'kms.verify_mac', 'mac', 1);
});

test('deletion: kms.schedule_deletion and kms.cancel_deletion with keyVersion', async () => {
  let r = await run(`mutation { scheduleKmsKeyDeletion(identity: "sig", pendingWindowDays: 7) { status } }`);
  expect(r.data.scheduleKmsKeyDeletion.status).toBe('PENDING_DELETION');
  expectEvent(r.events, r.requestId, 'kms.schedule_deletion', 'sig', 1);

  r = await run(`mutation { cancelKmsKeyDeletion(identity: "sig") { status } }`);
  expect(r.data.cancelKmsKeyDeletion.status).toBe('DISABLED');
  expectEvent(r.events, r.requestId, 'kms.cancel_deletion', 'sig', 1);

  // Refused crypto on the DISABLED key is audited as a FAILURE with KMS_KEY_NOT_ACTIVE.
  r = await run(`mutation { sign(input: { keyIdentity: "sig", message: "${b64('x')}" }) { signature } }`);
  expectEvent(r.events, r.requestId, 'kms.sign', 'sig', null, 'FAILURE', 'KMS_KEY_NOT_ACTIVE');
});

test('queries (kmsKey, kmsKeys) write no kms.* event', async () => {
  const r = await run(`{ kmsKey(identity: "enc") { identity } kmsKeys { nodes { identity } } }`);
  expect(r.data.kmsKey.identity).toBe('enc');
  expect(r.events).toEqual([]);
});

test('every kms action of API.md appeared, and no audit event contains plaintext, ciphertext, signature, MAC, data key, key material or the token', async () => {
  const r = await stack.gql(`{ auditEvents(first: 1000) { nodes { ${EVENT_FIELDS} } pageInfo { hasNextPage } } }`, {}, { token });
  expect(r.status).toBe(200);
  const events = r.body.data.auditEvents.nodes as any[];
  expect(r.body.data.auditEvents.pageInfo.hasNextPage).toBe(false);
  const actions = new Set(events.map((e) => e.action));
  for (const a of [
    'kms.create_key', 'kms.rotate_key', 'kms.update_key', 'kms.enable_key', 'kms.disable_key', 'kms.schedule_deletion', 'kms.cancel_deletion',
    'kms.encrypt', 'kms.decrypt', 'kms.reencrypt', 'kms.generate_data_key', 'kms.sign', 'kms.verify', 'kms.generate_mac', 'kms.verify_mac', 'kms.export_key',
  ]) {
    expect({ a, present: actions.has(a) }).toEqual({ a, present: true });
  }
  expect(secrets.length).toBeGreaterThan(15);
  const dump = JSON.stringify(events);
  for (const s of [...secrets, PT, b64(PT)]) {
    expect(s.length).toBeGreaterThanOrEqual(8);
    expect({ leaked: dump.includes(s) ? s.slice(0, 12) : null }).toEqual({ leaked: null });
  }
  // Only identifiers, codes and versions: every field is one of API.md's and short.
  for (const e of events) {
    for (const [k, v] of Object.entries(e)) {
      expect(EVENT_FIELDS.split(' ')).toContain(k);
      if (typeof v === 'string') expect(v.length).toBeLessThan(200);
    }
  }
});
