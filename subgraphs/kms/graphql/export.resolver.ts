import { Args, Ctx, Mutation, Resolver } from 'type-graphql';
import { ExportKeyArgs } from './types/args';
import type { RequestContext } from '../../../shared/context';
import type { KeyRingService } from '../domain/keyRingService';
import { ExportedKey } from './types/results';
import { guard, keyResource, loadKey } from './kmsRequest';

/** exportKmsKey: material of keys created exportable (Vault transit's path_export). */
@Resolver()
export class ExportResolver {
  constructor(private readonly kms: KeyRingService) {}

  @Mutation(() => ExportedKey, { description: 'Returns the material of one version of an ACTIVE key created exportable. Needs kms:admin; BAD_USER_INPUT when the key is not exportable, NOT_FOUND (key or version), KMS_KEY_NOT_ACTIVE.' })
  async exportKmsKey(@Args(() => ExportKeyArgs) { identity, version }: ExportKeyArgs, @Ctx() ctx: RequestContext): Promise<ExportedKey> {
    const resource = keyResource(this.kms, identity);
    await guard(ctx, resource, 'kms:admin');
    return ctx.audited('kms.export_key', resource, async () => {
      const rec = await loadKey(ctx, this.kms, identity);
      const r = await this.kms.exportMaterial(rec, version);
      return { keyVersion: r.version, value: Object.assign(new ExportedKey(), { version: r.version, keyMaterial: r.keyMaterial.toString('base64') }) };
    });
  }
}
