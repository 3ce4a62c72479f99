import {
  defaultFieldResolver, getNamedType, isObjectType, Kind,
  type GraphQLFieldResolver, type GraphQLOutputType, type GraphQLResolveInfo, type GraphQLSchema, type SelectionSetNode,
} from 'graphql';
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

/**
 * Wraps every non-open field resolver of the listed types with the scope check (schema built once,
 * at start), and checks each mutation's selection before the mutation runs: a mutation that would
 * return fields its caller may not read is refused (FORBIDDEN, audited) before it changes anything,
 * so a refusal never hides a change that happened anyway.
 */
export function guardTypeFields(schema: GraphQLSchema, rules: Record<string, TypeScope>): GraphQLSchema {
  guardMutationSelections(schema, rules);
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

function guardMutationSelections(schema: GraphQLSchema, rules: Record<string, TypeScope>): void {
  const mutation = schema.getMutationType();
  if (!mutation || Object.keys(rules).length === 0) return;
  for (const field of Object.values(mutation.getFields())) {
    const resolve: GraphQLFieldResolver<unknown, RequestContext> = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source, args, ctx, info) => {
      for (const rule of guardedSelections(info, rules).values()) {
        // The object may not exist yet: its audit resource comes from what the caller named.
        const named = namedTarget(args as Record<string, unknown>, ctx);
        await ctx.fieldDenial(() => rule.resource(named, ctx), rule.scope);
      }
      return resolve(source, args, ctx, info);
    };
  }
}

/** The guarded types of which the mutation's selection asks for a non-open field. */
function guardedSelections(info: GraphQLResolveInfo, rules: Record<string, TypeScope>): Map<string, TypeScope> {
  const found = new Map<string, TypeScope>();
  const visit = (type: GraphQLOutputType, set: SelectionSetNode | undefined, seen: Set<string>) => {
    const named = getNamedType(type);
    if (!set || !isObjectType(named)) return;
    const rule = rules[named.name];
    const fields = named.getFields();
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const f = fields[sel.name.value];
        if (!f) continue; // __typename
        if (rule && !rule.open.includes(f.name)) found.set(named.name, rule);
        visit(f.type, sel.selectionSet, seen);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(named, sel.selectionSet, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visit(named, info.fragments[sel.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const node of info.fieldNodes) visit(info.returnType, node.selectionSet, new Set());
  return found;
}

/** The entity a mutation's arguments name (path / identity, plain or in `input`), for its audit resource. */
function namedTarget(args: Record<string, unknown>, ctx: RequestContext): Record<string, unknown> {
  const input = (args.input && typeof args.input === 'object' ? args.input : {}) as Record<string, unknown>;
  return { path: args.path ?? input.path, identity: args.identity ?? input.identity, region: ctx.region };
}
