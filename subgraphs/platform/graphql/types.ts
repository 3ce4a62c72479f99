import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../../shared/graphqlTypes';

export { PageInfo };

export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  DENIED = 'DENIED',
  FAILURE = 'FAILURE',
}
registerEnumType(AuditOutcome, { name: 'AuditOutcome' });

@ObjectType({ description: 'The caller, as identified by its token' })
export class Principal {
  @Field(() => ID) id!: string;
  @Field(() => String) project!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => [String], { nullable: true }) pathPrefixes!: string[] | null;
}

@ObjectType()
export class ApiTokenInfo {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) project!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => [String], { nullable: true }) pathPrefixes!: string[] | null;
  @Field(() => String) createdAt!: string;
  @Field(() => String, { nullable: true }) expiresAt!: string | null;
  @Field(() => Boolean) revoked!: boolean;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => String, { description: 'The bearer token. Shown once; only its hash is stored.' }) token!: string;
  @Field(() => ApiTokenInfo) info!: ApiTokenInfo;
}

@ObjectType()
export class FeatureGates {
  @Field(() => Boolean) secrets!: boolean;
  @Field(() => Boolean) kms!: boolean;
}

@ObjectType()
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field(() => String) time!: string;
  @Field(() => String) action!: string;
  @Field(() => AuditOutcome) outcome!: AuditOutcome;
  @Field(() => String) actor!: string;
  @Field(() => String, { nullable: true }) via!: string | null;
  @Field(() => String) project!: string;
  @Field(() => String, { nullable: true }) region!: string | null;
  @Field(() => String) resource!: string;
  @Field(() => String) requestId!: string;
  @Field(() => String, { nullable: true }) errorCode!: string | null;
  @Field(() => Int, { nullable: true }) keyVersion!: number | null;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEvent]) nodes!: AuditEvent[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => String) name!: string;
  @Field(() => [String]) scopes!: string[];
  @Field(() => [String], { nullable: true }) pathPrefixes?: string[] | null;
  @Field(() => Int, { nullable: true }) expiresInDays?: number | null;
  @Field(() => String, { nullable: true, description: 'Root token only: create the token in another project' })
  project?: string | null;
}

@InputType()
export class AuditEventFilterInput {
  @Field(() => String, { nullable: true }) action?: string | null;
  @Field(() => String, { nullable: true }) resource?: string | null;
  @Field(() => String, { nullable: true }) actor?: string | null;
  @Field(() => String, { nullable: true }) requestId?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, inclusive' }) since?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, inclusive' }) until?: string | null;
}
