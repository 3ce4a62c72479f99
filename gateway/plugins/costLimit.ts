import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { LIMITS } from './limits';

/**
 * Most work one request may ask for. Typical costs (computed by operationCost): a page of 200
 * secrets with `kmsKey { status }` ≈ 1.4k, encryptBatch of 1000 items ≈ 5k, batchGetSecretValue of
 * 100 paths ≈ 10.6k (mostly its audit events, see AUDIT_EVENT_COST); a page of 50 keys each with 50 bound secrets ≈ 5k.
 */
export const MAX_COST: number = LIMITS.maxCost;

/** Batch arguments whose length multiplies the work of the field (API.md: `paths`, `items`). */
export const LIST_ARGUMENTS: ReadonlySet<string> = new Set(['paths', 'items']);

/**
 * What one audit event costs. The audit log keeps a bounded number of events, so the events one
 * request can write are budgeted too: with this weight a request writes at most about
 * MAX_COST / AUDIT_EVENT_COST (400) events, while one batchGetSecretValue of 100 paths still fits.
 */
export const AUDIT_EVENT_COST = 50;

/**
 * Batch fields (`Type.field`) that write audit events per item, and how many each item can write:
 * batchGetSecretValue records each path (`secrets.get_value` or `auth.denied`) and the KMS records
 * its decrypt (`kms.decrypt`). encryptBatch / decryptBatch write one event per call, so their
 * items weigh only their selection.
 */
export const AUDITED_ITEMS: ReadonlyMap<string, number> = new Map([['Query.batchGetSecretValue', 2]]);

/** A connection with no `first` default in the schema is counted as this many nodes. */
const FIRST_FALLBACK = 100;

type Variables = Readonly<Record<string, unknown>>;

/**
 * The cost of an operation, with its variables known:
 * cost(field) = 1 + multiplier × cost(its selection), a leaf costing 1, where the multiplier is the
 * field's `first` argument (literal, variable, or the schema default when omitted) for connection
 * fields, the length of a `paths`/`items` list argument for batch fields, and 1 otherwise; a batch
 * field of AUDITED_ITEMS adds AUDIT_EVENT_COST per event each item can write to its selection.
 * Fragments and inline fragments are resolved (each named fragment costed once, so nested spreads
 * cannot make the computation itself expensive); both branches of a type condition are counted.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables = {}): number {
  return costOf(schema, document, operation, variables).cost;
}

/** The cost, and whether any variable's value entered it (if not, it is the document's alone). */
function costOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): { cost: number; readVariables: boolean } {
  let readVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, v.defaultValue);
  }
  const fragmentCosts = new Map<string, number>();
  const visiting = new Set<string>();

  /** A variable's value as sent, else its default in the operation, else undefined. */
  const variable = (name: string): unknown => {
    readVariables = true;
    const sent = variables[name];
    if (sent !== undefined && sent !== null) return sent;
    const dflt = variableDefaults.get(name);
    return dflt ? literal(dflt) : undefined;
  };
  /** A literal's plain value (enough for ints and lists; other kinds are not needed here). */
  const literal = (node: ValueNode): unknown => {
    switch (node.kind) {
      case Kind.INT:
        return Number.parseInt(node.value, 10);
      case Kind.LIST:
        return node.values;
      case Kind.VARIABLE:
        return variable(node.name.value);
      case Kind.NULL:
        return undefined;
      default:
        return node;
    }
  };

  const multiplier = (node: FieldNode, def: GraphQLField<unknown, unknown> | undefined): number => {
    if (!def) return 1;
    let m = 1;
    for (const arg of def.args) {
      // Only `first` and the batch lists count: other arguments are not read, so a variable passed
      // to one (encrypt's `input`) leaves the cost the document's alone, computed once.
      const batchList = LIST_ARGUMENTS.has(arg.name) && isListType(getNullableType(arg.type));
      if (arg.name !== 'first' && !batchList) continue;
      const given = node.arguments?.find((a) => a.name.value === arg.name);
      const value = given ? literal(given.value) : undefined;
      if (arg.name === 'first') {
        const dflt = typeof arg.defaultValue === 'number' ? arg.defaultValue : FIRST_FALLBACK;
        const n = typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : dflt;
        m *= Math.max(0, n);
      } else {
        // A single value where a list is expected is coerced to a list of one.
        const n = Array.isArray(value) ? value.length : value === undefined ? (Array.isArray(arg.defaultValue) ? arg.defaultValue.length : 0) : 1;
        m *= n;
      }
    }
    return m;
  };

  const fieldDef = (parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
    if (parent && (isObjectType(parent) || isInterfaceType(parent))) return parent.getFields()[name];
    return undefined;
  };

  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!sel.selectionSet) {
          total += 1;
          continue;
        }
        const def = fieldDef(parent, sel.name.value);
        const child = def ? getNamedType(def.type) : undefined;
        const audited = (AUDITED_ITEMS.get(`${parent?.name}.${sel.name.value}`) ?? 0) * AUDIT_EVENT_COST;
        total += 1 + multiplier(sel, def) * (selectionCost(sel.selectionSet, child) + audited);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        total += selectionCost(sel.selectionSet, type ?? undefined);
      } else {
        total += fragmentCost(sel.name.value);
      }
    }
    return total;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const frag = fragments.get(name);
    // Unknown fragments and cycles are validation errors; here they just count nothing.
    if (!frag || visiting.has(name)) return 0;
    visiting.add(name);
    const cost = selectionCost(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined);
    visiting.delete(name);
    fragmentCosts.set(name, cost);
    return cost;
  };

  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const cost = selectionCost(operation.selectionSet, root ?? undefined);
  return { cost, readVariables };
}

export function costLimitError(cost: number, maxCost: number): GraphQLError {
  return new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost, http: { status: 400 } },
  });
}

/**
 * Refuses an operation whose cost (see operationCost) is over `maxCost` with
 * GRAPHQL_VALIDATION_FAILED (400) before any subgraph is called. It runs once the operation is
 * resolved, so variables count (a validation rule would not see them).
 */
/** Costs that depend on the document alone (no variable read), per document and operation; dropped with the document. */
const documentCosts = new WeakMap<DocumentNode, WeakMap<OperationDefinitionNode, number>>();

export function costLimitPlugin<T extends BaseContext>(maxCost: number = MAX_COST): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema }) {
          if (!operation) return;
          // Apollo keeps one parsed DocumentNode per query string, so a cost that no variable
          // entered is computed once per document and operation, not per request.
          let perOperation = documentCosts.get(document);
          let cost = perOperation?.get(operation);
          if (cost === undefined) {
            const got = costOf(schema, document, operation, request.variables ?? {});
            cost = got.cost;
            if (!got.readVariables) {
              if (!perOperation) documentCosts.set(document, (perOperation = new WeakMap()));
              perOperation.set(operation, cost);
            }
          }
          if (cost > maxCost) throw costLimitError(cost, maxCost);
        },
      };
    },
  };
}
