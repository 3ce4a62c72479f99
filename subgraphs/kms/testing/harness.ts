import type { Config } from '../../../shared/config';
import { createServices, type Services } from '../../../shared/services';
import { startKmsSubgraph } from '../server';

/** Test harness: a real kms subgraph on a free port, and a small GraphQL-over-HTTP client for it. */
export interface GqlResponse<T = any> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: Record<string, any> }[] };
  headers: Headers;
}

export type KmsHarness = Awaited<ReturnType<typeof startKmsHarness>>;

export async function startKmsHarness(config: Config, opts: { now?: () => Date; sweeper?: boolean; services?: Services } = {}) {
  const services = opts.services ?? createServices(`kms-${config.region}`, config, { now: opts.now });
  const running = await startKmsSubgraph(services, { port: 0, host: '127.0.0.1', rootKey: config.kmsRootKey as Buffer, sweeper: opts.sweeper ?? false });

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}, o: { token?: string | null; headers?: Record<string, string> } = {}): Promise<GqlResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-internal-secret': config.internalSecret, ...(o.headers ?? {}) };
    const token = o.token === undefined ? config.rootToken : o.token;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(running.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as GqlResponse<T>['body'], headers: res.headers };
  }

  return {
    config,
    services,
    running,
    url: running.url,
    sweeper: running.sweeper,
    keys: running.keys,
    gql,
    /** Data of a query that must succeed. */
    async ok<T = any>(query: string, variables: Record<string, unknown> = {}, o: { token?: string | null; headers?: Record<string, string> } = {}): Promise<T> {
      const r = await gql<T>(query, variables, o);
      if (r.status !== 200 || r.body.errors) throw new Error(`expected success, got ${r.status}: ${JSON.stringify(r.body.errors)}`);
      return r.body.data as T;
    },
    async stop() {
      await running.stop();
      services.redis.disconnect();
    },
  };
}

export const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');

export const KEY_FIELDS = `region identity type purpose status description exportable createdAt latestVersion
  minDecryptionVersion minEncryptionVersion autoRotatePeriodDays deletionDate versions { version createdAt }`;

export const Q = {
  create: `mutation($input: CreateKmsKeyInput!) { createKmsKey(input: $input) { ${KEY_FIELDS} } }`,
  get: `query($id: String!) { kmsKey(identity: $id) { ${KEY_FIELDS} } }`,
  list: `query($status: KeyStatus, $first: Int, $after: String) { kmsKeys(status: $status, first: $first, after: $after) { nodes { identity status } pageInfo { endCursor hasNextPage } } }`,
  rotate: `mutation($id: String!) { rotateKmsKey(identity: $id) { ${KEY_FIELDS} } }`,
  update: `mutation($input: UpdateKmsKeyInput!) { updateKmsKey(input: $input) { ${KEY_FIELDS} } }`,
  disable: `mutation($id: String!) { disableKmsKey(identity: $id) { ${KEY_FIELDS} } }`,
  enable: `mutation($id: String!) { enableKmsKey(identity: $id) { ${KEY_FIELDS} } }`,
  schedule: `mutation($id: String!, $days: Int) { scheduleKmsKeyDeletion(identity: $id, pendingWindowDays: $days) { ${KEY_FIELDS} } }`,
  scheduleDefault: `mutation($id: String!) { scheduleKmsKeyDeletion(identity: $id) { ${KEY_FIELDS} } }`,
  cancel: `mutation($id: String!) { cancelKmsKeyDeletion(identity: $id) { ${KEY_FIELDS} } }`,
  encrypt: `mutation($input: EncryptInput!) { encrypt(input: $input) { keyIdentity keyVersion ciphertext } }`,
  decrypt: `mutation($input: DecryptInput!) { decrypt(input: $input) { keyIdentity keyVersion plaintext } }`,
  reEncrypt: `mutation($input: ReEncryptInput!) { reEncrypt(input: $input) { keyIdentity keyVersion ciphertext } }`,
  dataKey: `mutation($input: GenerateDataKeyInput!) { generateDataKey(input: $input) { plaintext ciphertext keyVersion } }`,
  encryptBatch: `mutation($id: String!, $items: [EncryptBatchItemInput!]!) { encryptBatch(keyIdentity: $id, items: $items) { index ciphertext plaintext keyVersion error { code message } } }`,
  decryptBatch: `mutation($id: String!, $items: [DecryptBatchItemInput!]!) { decryptBatch(keyIdentity: $id, items: $items) { index ciphertext plaintext keyVersion error { code message } } }`,
  sign: `mutation($input: SignInput!) { sign(input: $input) { signature keyVersion } }`,
  verify: `mutation($input: VerifyInput!) { verify(input: $input) { valid } }`,
  mac: `mutation($input: GenerateMacInput!) { generateMac(input: $input) { mac keyVersion } }`,
  verifyMac: `mutation($input: VerifyMacInput!) { verifyMac(input: $input) { valid } }`,
  pem: `query($id: String!, $v: Int) { kmsKey(identity: $id) { publicKeyPem(version: $v) } }`,
  export: `mutation($id: String!, $v: Int) { exportKmsKey(identity: $id, version: $v) { version keyMaterial } }`,
};

/** The first error's code and the HTTP status, for asserting failures. */
export function failure(r: GqlResponse): { status: number; code: unknown; extensions: Record<string, any> | undefined } {
  return { status: r.status, code: r.body.errors?.[0]?.extensions?.code, extensions: r.body.errors?.[0]?.extensions };
}
