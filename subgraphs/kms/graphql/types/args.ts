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
  @Field(() => KeyStatusEnum, { nullable: true, description: 'Only keys in this state; null: every state.' }) status?: KeyStatus | null;
  @Field(() => Int, { nullable: true, defaultValue: 50, description: 'Page size: 0 to 1000 (BAD_USER_INPUT otherwise); null means 50.' }) first?: number | null;
  @Field(() => String, { nullable: true, description: '`pageInfo.endCursor` of the previous page; null: from the start. An invalid cursor is BAD_USER_INPUT.' }) after?: string | null;
}

@ArgsType()
export class ScheduleDeletionArgs {
  @Field(() => String, { description: 'Identity of the key to delete (`^[a-z0-9][a-z0-9-]{0,62}$`); NOT_FOUND if absent.' }) identity!: string;
  @Field(() => Int, { nullable: true, defaultValue: 30, description: 'Days before the material is destroyed: 7 to 30 (BAD_USER_INPUT otherwise); null means 30.' }) pendingWindowDays?: number | null;
  @Field(() => Int, { nullable: true, description: UNUSED_SINCE_DAYS_DESCRIPTION }) ifUnusedSinceDays?: number | null;
}

@ArgsType()
export class ExportKeyArgs {
  @Field(() => String, { description: 'Identity of an exportable key (`^[a-z0-9][a-z0-9-]{0,62}$`); NOT_FOUND if absent.' }) identity!: string;
  @Field(() => Int, { nullable: true, description: 'Version to export: 1 to latestVersion (NOT_FOUND otherwise, or when destroyed); null: the latest.' }) version?: number | null;
}

@ArgsType()
export class EncryptBatchArgs {
  @Field(() => String, { description: "Identity of an ACTIVE ENCRYPT_DECRYPT key in the request's region; NOT_FOUND if absent." }) keyIdentity!: string;
  @Field(() => [EncryptBatchItemInput], { description: "At most 1000 items (BAD_USER_INPUT otherwise), each encrypted with the key's default encryption version." }) items!: EncryptBatchItemInput[];
}

@ArgsType()
export class DecryptBatchArgs {
  @Field(() => String, { description: 'Identity of the ACTIVE ENCRYPT_DECRYPT key the ciphertexts were made with; NOT_FOUND if absent.' }) keyIdentity!: string;
  @Field(() => [DecryptBatchItemInput], { description: 'At most 1000 items (BAD_USER_INPUT otherwise).' }) items!: DecryptBatchItemInput[];
}
