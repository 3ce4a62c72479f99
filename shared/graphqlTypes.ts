import { Directive, Field, ObjectType } from 'type-graphql';

/**
 * Value types every subgraph returns. One class each, marked @shareable, so the supergraph sees
 * one identical definition whichever subgraph resolves it.
 */
@Directive('@shareable')
@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

/** A per-item failure inside a batch result: the code of API.md and a safe message. */
@Directive('@shareable')
@ObjectType('BatchItemError')
export class BatchItemError {
  @Field(() => String) code!: string;
  @Field(() => String) message!: string;
}
