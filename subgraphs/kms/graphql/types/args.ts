import { ArgsType, Field, Int } from 'type-graphql';
import type { KeyStatus } from '../../domain/keyTypes';
import { KeyStatusEnum } from './enums';
import { DecryptBatchItemInput, EncryptBatchItemInput } from './inputs';

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
