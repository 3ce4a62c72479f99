import type { ErrorCode, KmsKeysQueryVariables, MethodArgs, MethodResult, SecretsKmsClient } from '../client/src';
import { createClient } from '../client/src';

/**
 * Compile-time checks (npm test type-checks tests): the methods' arguments and results are the
 * generated types, with bytes where the API carries base64. A `@ts-expect-error` that stops
 * erroring fails the type check.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T => true as T;

test('argument and result types', () => {
  assertType<Equal<MethodResult<'decrypt'>['plaintext'], Uint8Array>>();
  assertType<Equal<MethodResult<'exportKmsKey'>['keyMaterial'], Uint8Array>>();
  assertType<Equal<MethodResult<'decryptBatch'>[number]['plaintext'], Uint8Array | null>>();
  assertType<Equal<MethodResult<'encrypt'>['ciphertext'], string>>();
  assertType<Equal<MethodResult<'getSecretValue'>['value'], string>>();
  assertType<Equal<MethodResult<'kmsKey'>, MethodResult<'createKmsKey'> | null>>();
  assertType<Equal<MethodArgs<'kmsKeys'>, KmsKeysQueryVariables>>();
  assertType<Equal<MethodArgs<'encrypt'>['input']['plaintext'], Uint8Array | string>>();
  assertType<Equal<MethodResult<'secret'>, MethodResult<'createSecret'> | null>>();
  assertType<Equal<NonNullable<MethodResult<'secret'>>['kmsKey'], { region: string; identity: string; status: 'ACTIVE' | 'DISABLED' | 'PENDING_DELETION' } | null>>();
  assertType<'KEY_IN_USE' extends ErrorCode ? true : false>();
  assertType<'NETWORK_ERROR' extends ErrorCode ? true : false>();

  const client: SecretsKmsClient = createClient({ url: 'http://127.0.0.1:1/graphql', token: 't' });
  const unused = () => {
    // @ts-expect-error path is required
    void client.getSecretValue({});
    // @ts-expect-error plaintext is bytes or a string
    void client.encrypt({ input: { keyIdentity: 'k', plaintext: 5 } });
    // @ts-expect-error not a KeyType
    void client.createKmsKey({ input: { identity: 'k', type: 'AES512' } });
    // @ts-expect-error no such root field
    void client.noSuchField();
    // @ts-expect-error secret is not a connection
    void client.paginate.secret;
    void client.viewer();
    void client.paginate.auditEvents({ filter: { action: 'kms.encrypt' } });
  };
  expect(typeof unused).toBe('function');
});
