import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { binaryInput, optionalBinaryInput } from '../domain/base64';
import type { KeyRingService } from '../domain/keyRingService';
import { DecryptInput, EncryptInput, GenerateDataKeyInput, ReEncryptInput } from './types/inputs';
import { DataKey, DecryptResult, EncryptResult } from './types/results';
import { guard, keyResource, loadKey } from './kmsRequest';

/** encrypt, decrypt, reEncrypt, generateDataKey (Vault transit's path_encrypt / path_decrypt / path_rewrap / path_datakey). */
@Resolver()
export class EncryptResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Mutation(() => EncryptResult, { description: "Encrypts up to 64 KiB with an ACTIVE ENCRYPT_DECRYPT key of the request's region. Needs kms:encrypt; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (base64, size, keyVersion)." })
  async encrypt(@Arg('input', () => EncryptInput, { description: 'Key, plaintext and options.' }) input: EncryptInput, @Ctx() ctx: RequestContext): Promise<EncryptResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:encrypt');
    return ctx.audited('kms.encrypt', resource, async () => {
      const plaintext = binaryInput('plaintext', input.plaintext);
      const aad = optionalBinaryInput('associatedData', input.associatedData);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.encrypt(rec, plaintext, aad, input.keyVersion);
      return { keyVersion: r.keyVersion, value: Object.assign(new EncryptResult(), { keyIdentity: rec.identity, ...r }) };
    });
  }

  @Mutation(() => DecryptResult, { description: 'Decrypts a ciphertext of this key. Needs kms:decrypt; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, INVALID_CIPHERTEXT (malformed, tampered, other key or associated data, version below minDecryptionVersion).' })
  async decrypt(@Arg('input', () => DecryptInput, { description: 'Key, ciphertext and associated data.' }) input: DecryptInput, @Ctx() ctx: RequestContext): Promise<DecryptResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:decrypt');
    return ctx.audited('kms.decrypt', resource, async () => {
      const aad = optionalBinaryInput('associatedData', input.associatedData);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.decrypt(rec, input.ciphertext, aad);
      return {
        keyVersion: r.keyVersion,
        value: Object.assign(new DecryptResult(), { keyIdentity: rec.identity, keyVersion: r.keyVersion, plaintext: r.plaintext.toString('base64') }),
      };
    });
  }

  @Mutation(() => EncryptResult, { description: "Decrypts and encrypts again under the key's default encryption version (after a rotation); the plaintext never leaves the KMS. Needs kms:encrypt and kms:decrypt; errors as decrypt." })
  async reEncrypt(@Arg('input', () => ReEncryptInput, { description: 'Key, ciphertext and associated data.' }) input: ReEncryptInput, @Ctx() ctx: RequestContext): Promise<EncryptResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:encrypt', 'kms:decrypt');
    return ctx.audited('kms.reencrypt', resource, async () => {
      const aad = optionalBinaryInput('associatedData', input.associatedData);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.reEncrypt(rec, input.ciphertext, aad);
      return { keyVersion: r.keyVersion, value: Object.assign(new EncryptResult(), { keyIdentity: rec.identity, ...r }) };
    });
  }

  @Mutation(() => DataKey, { description: 'Generates a random data key and returns it both in the clear and encrypted by the KMS key. Needs kms:encrypt; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (bits).' })
  async generateDataKey(@Arg('input', () => GenerateDataKeyInput, { description: 'Key, size and associated data.' }) input: GenerateDataKeyInput, @Ctx() ctx: RequestContext): Promise<DataKey> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:encrypt');
    return ctx.audited('kms.generate_data_key', resource, async () => {
      const aad = optionalBinaryInput('associatedData', input.associatedData);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.generateDataKey(rec, input.bits ?? 256, aad);
      return {
        keyVersion: r.keyVersion,
        value: Object.assign(new DataKey(), { plaintext: r.plaintext.toString('base64'), ciphertext: r.ciphertext, keyVersion: r.keyVersion }),
      };
    });
  }
}

/**
 * The four as plain resolvers in the schema's map, as the batches (plainBatchResolvers): graphql
 * has already coerced `input` to its declared shape (defaults included); type-graphql's copy of it
 * into an instance of the input class was ~1.5 % of an encrypt's KMS CPU.
 */
export function plainEncryptResolvers(r: EncryptResolver) {
  return {
    encrypt: (_root: unknown, args: { input: EncryptInput }, ctx: RequestContext) => r.encrypt(args.input, ctx),
    decrypt: (_root: unknown, args: { input: DecryptInput }, ctx: RequestContext) => r.decrypt(args.input, ctx),
    reEncrypt: (_root: unknown, args: { input: ReEncryptInput }, ctx: RequestContext) => r.reEncrypt(args.input, ctx),
    generateDataKey: (_root: unknown, args: { input: GenerateDataKeyInput }, ctx: RequestContext) => r.generateDataKey(args.input, ctx),
  };
}
