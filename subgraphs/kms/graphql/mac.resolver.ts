import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import { binaryInput } from '../domain/base64';
import type { KeyRingService } from '../domain/keyRingService';
import { GenerateMacInput, VerifyMacInput } from './types/inputs';
import { MacResult, VerifyResult } from './types/results';
import { guard, keyResource, loadKey } from './kmsRequest';

/** generateMac / verifyMac with HMAC keys (Vault transit's path_hmac). */
@Resolver()
export class MacResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Mutation(() => MacResult, { description: 'Computes an HMAC-SHA256 of a message with an ACTIVE GENERATE_VERIFY_MAC key. Needs kms:sign; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (base64, size, keyVersion).' })
  async generateMac(@Arg('input', () => GenerateMacInput, { description: 'Key, message and version.' }) input: GenerateMacInput, @Ctx() ctx: RequestContext): Promise<MacResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:sign');
    return ctx.audited('kms.generate_mac', resource, async () => {
      const message = binaryInput('message', input.message);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.generateMac(rec, message, input.keyVersion);
      return { keyVersion: r.keyVersion, value: Object.assign(new MacResult(), r) };
    });
  }

  @Mutation(() => VerifyResult, { description: 'Checks a MAC made by generateMac with this key. Needs kms:sign; NOT_FOUND, KMS_KEY_NOT_ACTIVE, UNSUPPORTED_KEY_TYPE, BAD_USER_INPUT (base64, size, MAC format); a wrong MAC is `valid: false`, not an error.' })
  async verifyMac(@Arg('input', () => VerifyMacInput, { description: 'Key, message and MAC.' }) input: VerifyMacInput, @Ctx() ctx: RequestContext): Promise<VerifyResult> {
    const resource = keyResource(this.kms, input.keyIdentity, 'keyIdentity');
    await guard(ctx, resource, 'kms:sign');
    return ctx.audited('kms.verify_mac', resource, async () => {
      const message = binaryInput('message', input.message);
      const rec = await loadKey(ctx, this.kms, input.keyIdentity);
      const r = await this.kms.verifyMac(rec, message, input.mac);
      return { keyVersion: r.keyVersion, value: Object.assign(new VerifyResult(), { valid: r.valid }) };
    });
  }
}
