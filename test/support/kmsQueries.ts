/** The kms operations the region tests route (not a test itself); the stack is test/support/stack.ts with `kms: true`. */
export const CREATE_KEY = 'mutation($identity: String!, $type: KeyType!) { createKmsKey(input: { identity: $identity, type: $type }) { region identity type } }';
export const GET_KEY = 'query($identity: String!) { kmsKey(identity: $identity) { region identity type } }';
