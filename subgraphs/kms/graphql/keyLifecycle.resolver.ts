import { Arg, Args, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../../shared/context';
import type { AuditAction } from '../../../shared/audit';
import { deadlinePassed, keyGenerationTimedOut, keyNotFound } from '../domain/errors';
import { stillInProgress, validateIdempotencyKey, type Idempotency } from '../../../shared/idempotency';
import type { KmsKeyRecord } from '../domain/keyRing';
import type { KeyRingService } from '../domain/keyRingService';
import { ScheduleDeletionArgs, UNUSED_SINCE_DAYS_DESCRIPTION } from './types/args';
import { CreateKmsKeyInput, UpdateKmsKeyInput } from './types/inputs';
import { KmsKey } from './types/kmsKey';
import { guard, keyResource, primeKey } from './kmsRequest';
import { KEY_IDENTITY_ARG } from './types/descriptions';

/** Key lifecycle mutations (Vault transit's path_keys / path_config): create, rotate, update, disable, enable, deletion. */
@Resolver()
export class KeyLifecycleResolver {
  constructor(
    private readonly kms: KeyRingService,
    private readonly idempotency?: Idempotency,
  ) {}

  @Mutation(() => KmsKey, { description: "Creates an ACTIVE key with version 1 in the request's region. Needs kms:admin; ALREADY_EXISTS when the identity is taken, BAD_USER_INPUT for invalid input." })
  async createKmsKey(@Arg('input', () => CreateKmsKeyInput, { description: 'The new key.' }) input: CreateKmsKeyInput, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    const key = validateIdempotencyKey(input.idempotencyKey);
    const create = () => this.lifecycle(ctx, 'kms.create_key', input.identity, () => this.kms.create(ctx.project, input, this.beforeCommit(ctx), ctx.deadline));
    if (key === null || !this.idempotency) return create();
    await guard(ctx, keyResource(this.kms, input.identity), 'kms:admin');
    const { idempotencyKey: _, ...rest } = input;
    return this.idempotency.execute({
      project: ctx.project,
      scope: `kms.create_key:${this.kms.region}`,
      key,
      input: { ...rest, exportable: rest.exportable === true },
      deadline: ctx.deadline,
      unavailable: () => stillInProgress('REGION_UNAVAILABLE', { region: this.kms.region }),
      run: async () => {
        const k = await create();
        return { value: k, ref: k.identity };
      },
      replay: async (identity) => {
        const [rec] = await this.kms.loadMany([this.kms.ref(ctx.project, identity)]);
        if (!rec) throw keyNotFound(identity, this.kms.region);
        primeKey(ctx, this.kms, rec);
        return KmsKey.of(rec);
      },
    });
  }

  @Mutation(() => KmsKey, { description: 'Adds version latestVersion + 1, used from now on unless minEncryptionVersion pins another; older versions still decrypt. Needs kms:admin; NOT_FOUND, KMS_KEY_NOT_ACTIVE unless ACTIVE.' })
  async rotateKmsKey(@Arg('identity', () => String, { description: KEY_IDENTITY_ARG }) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.rotate_key', identity, () => this.kms.rotate(ctx.project, identity, this.beforeCommit(ctx), ctx.deadline));
  }

  @Mutation(() => KmsKey, { description: 'Changes description, version bounds or auto-rotation, in any state. Needs kms:admin; NOT_FOUND, BAD_USER_INPUT for out-of-range values.' })
  async updateKmsKey(@Arg('input', () => UpdateKmsKeyInput, { description: 'The key and the settings to change.' }) input: UpdateKmsKeyInput, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.update_key', input.identity, () =>
      this.kms.update(ctx.project, input.identity, {
        description: input.description,
        minDecryptionVersion: input.minDecryptionVersion,
        minEncryptionVersion: input.minEncryptionVersion,
        autoRotatePeriodDays: input.autoRotatePeriodDays,
      }, this.changeGuard(ctx)),
    );
  }

  @Mutation(() => KmsKey, { description: 'Sets the key DISABLED: every cryptographic operation (and every secret value bound to it) fails with KMS_KEY_NOT_ACTIVE until enabled. Needs kms:admin; NOT_FOUND, BAD_USER_INPUT while PENDING_DELETION, KEY_IN_USE when ifUnusedSinceDays is given and the key was used within that window.' })
  async disableKmsKey(
    @Arg('identity', () => String, { description: KEY_IDENTITY_ARG }) identity: string,
    @Arg('ifUnusedSinceDays', () => Int, { nullable: true, description: UNUSED_SINCE_DAYS_DESCRIPTION }) ifUnusedSinceDays: number | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.disable_key', identity, () => this.kms.disable(ctx.project, identity, ifUnusedSinceDays, this.changeGuard(ctx)));
  }

  @Mutation(() => KmsKey, { description: 'Sets a DISABLED (or ACTIVE) key ACTIVE. Needs kms:admin; NOT_FOUND, BAD_USER_INPUT while PENDING_DELETION (cancel the deletion first).' })
  async enableKmsKey(@Arg('identity', () => String, { description: KEY_IDENTITY_ARG }) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.enable_key', identity, () => this.kms.enable(ctx.project, identity, this.changeGuard(ctx)));
  }

  @Mutation(() => KmsKey, { description: 'Sets the key PENDING_DELETION; its material is destroyed for good at deletionDate = now + pendingWindowDays. Needs kms:admin; NOT_FOUND, BAD_USER_INPUT when already pending or the window is out of range, KEY_IN_USE when ifUnusedSinceDays is given and the key was used within that window.' })
  async scheduleKmsKeyDeletion(@Args(() => ScheduleDeletionArgs) { identity, pendingWindowDays, ifUnusedSinceDays }: ScheduleDeletionArgs, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    // `pendingWindowDays: Int = 30`: an explicit null means the default, like every defaulted argument.
    return this.lifecycle(ctx, 'kms.schedule_deletion', identity, () =>
      this.kms.scheduleDeletion(ctx.project, identity, pendingWindowDays ?? 30, ifUnusedSinceDays, this.changeGuard(ctx)),
    );
  }

  @Mutation(() => KmsKey, { description: 'Stops a pending deletion; the key becomes DISABLED. Needs kms:admin; NOT_FOUND, BAD_USER_INPUT when not pending deletion or the material is already destroyed.' })
  async cancelKmsKeyDeletion(@Arg('identity', () => String, { description: KEY_IDENTITY_ARG }) identity: string, @Ctx() ctx: RequestContext): Promise<KmsKey> {
    return this.lifecycle(ctx, 'kms.cancel_deletion', identity, () => this.kms.cancelDeletion(ctx.project, identity, this.changeGuard(ctx)));
  }

  /** Key generation can outlast the gateway's wait: past the deadline, nothing is written (503 = no change). */
  private beforeCommit(ctx: RequestContext): () => void {
    return () => ctx.assertBeforeDeadline(() => keyGenerationTimedOut(this.kms.region));
  }

  /** Every other change: past the deadline before its commit, nothing is written either. */
  private changeGuard(ctx: RequestContext): () => void {
    return () => ctx.assertBeforeDeadline(() => deadlinePassed(this.kms.region));
  }

  private async lifecycle(ctx: RequestContext, action: AuditAction, identity: string, op: () => Promise<KmsKeyRecord>): Promise<KmsKey> {
    const resource = keyResource(this.kms, identity);
    await guard(ctx, resource, 'kms:admin');
    const rec = await ctx.auditedChange(action, resource, async () => {
      const value = await op();
      return { value, keyVersion: value.latestVersion };
    });
    primeKey(ctx, this.kms, rec);
    return KmsKey.of(rec);
  }
}
