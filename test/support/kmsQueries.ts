/** The kms operations of API.md as the kms tests send them (not a test itself). */
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

/** What the region tests route; the stack is stack.ts with `kms: true`. */
export const CREATE_KEY = 'mutation($identity: String!, $type: KeyType!) { createKmsKey(input: { identity: $identity, type: $type }) { region identity type } }';
export const GET_KEY = 'query($identity: String!) { kmsKey(identity: $identity) { region identity type } }';
