import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { RequestContext } from './context';
import type { Scope } from './scopes';

/**
 * Read scopes of types, enforced on their fields wherever the type appears: a mutation that needs
 * only a write scope (updateSecret, createKmsKey...) returns the object it changed, but reading the
 * object's fields still needs the read scope. Only the entity's key fields stay open: they are what
 * the caller named in the mutation (its proof), and federation resolves references by them.
 * Fields below a guarded field (Secret.versions → SecretVersion) are covered by that field's check.
 */
export interface TypeScope {
  scope: Scope;
  /** Fields anyone reaching the type may read (the entity key). */
  open: string[];
  /** Audit resource of a denial, from the object being read. */
  resource: (source: Record<string, unknown>, ctx: RequestContext) => string;
}

/** Wraps every non-open field resolver of the listed types with the scope check (schema built once, at start). */
export function guardTypeFields(schema: GraphQLSchema, rules: Record<string, TypeScope>): GraphQLSchema {
  for (const [typeName, rule] of Object.entries(rules)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`guardTypeFields: no object type ${typeName}`);
    for (const field of Object.values(type.getFields())) {
      if (rule.open.includes(field.name)) continue;
      const resolve: GraphQLFieldResolver<unknown, RequestContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        const denial = ctx.fieldDenial(() => rule.resource(source as Record<string, unknown>, ctx), rule.scope);
        return denial ?? resolve(source, args, ctx, info);
      };
    }
  }
  return schema;
}
