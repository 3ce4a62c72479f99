import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { binaryInput } from '../domain/base64';
import type { KeyRingService } from '../domain/keyRingService';
import { SignInput, VerifyInput } from './types/inputs';
import { SignResult, VerifyResult } from './types/results';
import { guard, keyResource, loadKey } from './kmsRequest';

/** sign / verify with asymmetric keys (Vault transit's path_sign_verify). */
@Resolver()
export class SignResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Mutation(() => SignResult, { description: 'Signs a message with an ACTIVE SIGN_VERIFY key. Needs kms:sign; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (base64, size, keyVersion).' })
  async sign(@Arg('input', () => SignInput, { description: 'Key, message and version.' }) input: SignInput, @Ctx() ctx: RequestContext): Promise<SignResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:sign');
    return ctx.audited('kms.sign', resource, async () => {
      const message = binaryInput('message', input.message);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.sign(rec, message, input.keyVersion);
      return { keyVersion: r.keyVersion, value: Object.assign(new SignResult(), r) };
    });
  }

  @Mutation(() => VerifyResult, { description: 'Checks a signature made by sign with this key. Needs kms:sign; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (base64, size, signature format); a wrong signature is `valid: false`, not an error.' })
  async verify(@Arg('input', () => VerifyInput, { description: 'Key, message and signature.' }) input: VerifyInput, @Ctx() ctx: RequestContext): Promise<VerifyResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:sign');
    return ctx.audited('kms.verify', resource, async () => {
      const message = binaryInput('message', input.message);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.verify(rec, message, input.signature);
      return { keyVersion: r.keyVersion, value: Object.assign(new VerifyResult(), { valid: r.valid }) };
    });
  }
}
