import { ArgsType, Field, Int } from 'type-graphql';
import type { KeyStatus } from '../../domain/keyTypes';
import { KeyStatusEnum } from './enums';
import { DecryptBatchItemInput, EncryptBatchItemInput } from './inputs';

/** What `ifUnusedSinceDays` means, on disableKmsKey and scheduleKmsKeyDeletion alike. */
export const UNUSED_SINCE_DAYS_DESCRIPTION =
  'Safety check, in days (integer 1..3650, else BAD_USER_INPUT): refuse the change with KEY_IN_USE (HTTP 409, extensions.lastUsedAt = the key\'s lastUsedAt) when the key was used for a crypto operation within that many days. Omitted or null: no check.';

/** Argument sets as classes: type-graphql keeps a class's field order, so the SDL reads like API.md. */

@ArgsType()
export class KmsKeysArgs {
  @Field(() => KeyStatusEnum, { nullable: true }) status?: KeyStatus | null;
  @Field(() => Int, { nullable: true, defaultValue: 50 }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@ArgsType()
export class ScheduleDeletionArgs {
  @Field(() => String) identity!: string;
  @Field(() => Int, { nullable: true, defaultValue: 30 }) pendingWindowDays?: number | null;
  @Field(() => Int, { nullable: true, description: UNUSED_SINCE_DAYS_DESCRIPTION }) ifUnusedSinceDays?: number | null;
}

@ArgsType()
export class ExportKeyArgs {
  @Field(() => String) identity!: string;
  @Field(() => Int, { nullable: true }) version?: number | null;
}

@ArgsType()
export class EncryptBatchArgs {
  @Field(() => String) keyIdentity!: string;
  @Field(() => [EncryptBatchItemInput]) items!: EncryptBatchItemInput[];
}

@ArgsType()
export class DecryptBatchArgs {
  @Field(() => String) keyIdentity!: string;
  @Field(() => [DecryptBatchItemInput]) items!: DecryptBatchItemInput[];
}
