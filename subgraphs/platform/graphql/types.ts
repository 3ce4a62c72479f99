import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../../shared/graphqlTypes';

export { PageInfo };

export enum AuditOutcome {
  SUCCESS = 'SUCCESS',
  DENIED = 'DENIED',
  FAILURE = 'FAILURE',
}
registerEnumType(AuditOutcome, {
  name: 'AuditOutcome',
  description: 'How an audited operation ended.',
  valuesConfig: {
    SUCCESS: { description: 'The operation succeeded.' },
    DENIED: { description: 'Refused before acting: FORBIDDEN or FEATURE_DISABLED (action auth.denied).' },
    FAILURE: { description: 'Attempted and failed; errorCode says why (OUTCOME_UNKNOWN when the service could not record how a change ended).' },
  },
});

@ObjectType({ description: 'The caller, as identified by its bearer token.' })
export class Principal {
  @Field(() => ID, { description: "Principal id: the token's ApiTokenInfo.id, or `root` for the root token; audit events name it as `actor`." }) id!: string;
  @Field(() => String, { description: 'Project the token acts in.' }) project!: string;
  @Field(() => [String], { description: 'Scopes granted (kms:read, kms:encrypt, kms:decrypt, kms:sign, kms:admin, secrets:read, secrets:read_value, secrets:write, audit:read, admin); `*` means all.' }) scopes!: string[];
  @Field(() => [String], { nullable: true, description: 'Secret path prefixes the token is confined to; null: not confined.' }) pathPrefixes!: string[] | null;
}

@ObjectType({ description: "An API token's metadata; the token value itself is never shown again after creation." })
export class ApiTokenInfo {
  @Field(() => ID, { description: 'Token id (16 hex digits); the `actor` of its audit events and the argument of revokeApiToken.' }) id!: string;
  @Field(() => String, { description: 'Name given at creation.' }) name!: string;
  @Field(() => String, { description: 'Project the token acts in.' }) project!: string;
  @Field(() => [String], { description: 'Scopes granted; `*` means all.' }) scopes!: string[];
  @Field(() => [String], { nullable: true, description: 'Secret path prefixes the token is confined to; null: not confined.' }) pathPrefixes!: string[] | null;
  @Field(() => String, { description: 'When the token was created (ISO-8601, UTC).' }) createdAt!: string;
  @Field(() => String, { nullable: true, description: 'When the token stops working (ISO-8601, UTC); null: never expires.' }) expiresAt!: string | null;
  @Field(() => Boolean, { description: 'True once revoked; a revoked token answers UNAUTHENTICATED.' }) revoked!: boolean;
}

@ObjectType({ description: 'A newly created API token.' })
export class CreatedApiToken {
  @Field(() => String, { description: 'The bearer token, for `Authorization: Bearer <token>`. Shown once; only its hash is stored.' }) token!: string;
  @Field(() => ApiTokenInfo, { description: "The new token's metadata." }) info!: ApiTokenInfo;
}

@ObjectType({ description: 'Feature gates of a project; an operation behind a gate that is off fails with FEATURE_DISABLED.' })
export class FeatureGates {
  @Field(() => Boolean, { description: 'Whether secrets operations are enabled.' }) secrets!: boolean;
  @Field(() => Boolean, { description: 'Whether KMS operations are enabled (secret values need it too).' }) kms!: boolean;
}

@ObjectType({ description: "One entry of the project's audit log, written before the result of the operation was returned. Never holds values, plaintext or key material." })
export class AuditEvent {
  @Field(() => ID, { description: 'Event id, unique within the project.' }) id!: string;
  @Field(() => String, { description: 'When it happened (ISO-8601, UTC).' }) time!: string;
  @Field(() => String, { description: 'What was done, e.g. `secrets.get_value`, `kms.encrypt`, `auth.token_created`, `auth.denied`.' }) action!: string;
  @Field(() => AuditOutcome, { description: 'SUCCESS, DENIED or FAILURE.' }) outcome!: AuditOutcome;
  @Field(() => String, { description: "Who did it: the caller's principal id (viewer.id), also when a service acted on its behalf." }) actor!: string;
  @Field(() => String, { nullable: true, description: "Service that acted on the actor's behalf (`secrets` for the KMS calls of a put or reveal); null for a direct call." }) via!: string | null;
  @Field(() => String, { description: 'Project the event belongs to.' }) project!: string;
  @Field(() => String, { nullable: true, description: 'Region the operation ran in; null for regionless ones (tokens, feature gates).' }) region!: string | null;
  @Field(() => String, { description: 'What it acted on, e.g. `secret:<path>`, `kms-key:<region>/<identity>`, `token:<id>`, `feature-gate:<project>/<feature>`.' }) resource!: string;
  @Field(() => String, { description: 'The request id (x-request-id) of the call; the events of one request share it.' }) requestId!: string;
  @Field(() => String, { nullable: true, description: 'Error code of a DENIED or FAILURE outcome; null on SUCCESS.' }) errorCode!: string | null;
  @Field(() => Int, { nullable: true, description: 'KMS key version used, when the operation used one; else null.' }) keyVersion!: number | null;
  @Field(() => Int, { nullable: true, description: 'How many occurrences within the request this event stands for: the denials of one request are one `auth.denied` per error code, naming the first resource refused. Null means 1.' }) count!: number | null;
}

@ObjectType({ description: 'A page of audit events, newest first.' })
export class AuditEventConnection {
  @Field(() => [AuditEvent], { description: 'The events of this page (at most `first`).' }) nodes!: AuditEvent[];
  @Field(() => PageInfo, { description: 'Cursor and whether older events follow.' }) pageInfo!: PageInfo;
}

@InputType({ description: 'A new API token; it can never hold more than its creator: no scope, path or project it lacks.' })
export class CreateApiTokenInput {
  @Field(() => String, { description: 'Name for people: 1 to 100 printable characters after trimming.' }) name!: string;
  @Field(() => [String], { description: 'At least one of kms:read, kms:encrypt, kms:decrypt, kms:sign, kms:admin, secrets:read, secrets:read_value, secrets:write, audit:read, admin (BAD_USER_INPUT otherwise), each held by the caller (FORBIDDEN otherwise); `*` only from the root token.' }) scopes!: string[];
  @Field(() => [String], { nullable: true, description: 'Confine the token to these secret path prefixes: up to 50, 1 to 512 path characters each. A confined creator must give prefixes within its own. Null: not confined.' }) pathPrefixes?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'Lifetime in days, 1 to 3650; null: never expires.' }) expiresInDays?: number | null;
  @Field(() => String, { nullable: true, description: "Project to create the token in (`^[a-z0-9][a-z0-9-]{0,62}$`): only the root token may name another project (FORBIDDEN otherwise). Null: the caller's project." })
  project?: string | null;
}

@InputType({ description: 'Conditions an audit event must all meet; a null field matches everything.' })
export class AuditEventFilterInput {
  @Field(() => String, { nullable: true, description: 'Exact action, e.g. `secrets.get_value`.' }) action?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact resource, e.g. `secret:<path>` or `kms-key:<region>/<identity>`.' }) resource?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact actor: a principal id as viewer.id returns it.' }) actor?: string | null;
  @Field(() => String, { nullable: true, description: 'Exact request id (x-request-id).' }) requestId?: string | null;
  @Field(() => String, { nullable: true, description: 'Events at or after this time (ISO-8601; BAD_USER_INPUT otherwise).' }) since?: string | null;
  @Field(() => String, { nullable: true, description: 'Events at or before this time (ISO-8601; BAD_USER_INPUT otherwise).' }) until?: string | null;
}
