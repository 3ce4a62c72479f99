import { MAX_BODY_BYTES } from '../../shared/http';
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/** Request shape limits (API.md: depth, alias, token and cost limits are GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED, 400). */
export const LIMITS = {
  maxDepth: 12,
  maxAliases: 30,
  /** Parser token cap (graphql-js `maxTokens`): large inputs belong in variables. */
  maxTokens: 5000,
  /** HTTP body cap, the same as the subgraphs': a bigger body could not be served anyway. */
  maxBodyBytes: MAX_BODY_BYTES,
  /** Operation cost cap (plugins/costLimit.ts): roughly the number of objects a request may ask for. */
  maxCost: 20_000,
} as const;

/**
 * Depth of the deepest field path, following fragment spreads. Introspection (`__schema`,
 * `__type`) is not counted: it is governed by the introspection switch, and its own query is deep.
 */
export function depthLimitRule(maxDepth: number = LIMITS.maxDepth): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode, visiting: Set<string>, root: boolean): number => {
      let max = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (root && sel.name.value.startsWith('__')) continue;
          const d = 1 + (sel.selectionSet ? depthOf(sel.selectionSet, visiting, false) : 0);
          if (d > max) max = d;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(sel.selectionSet, visiting, root));
        } else {
          const name = sel.name.value;
          const frag = fragments.get(name);
          // Cycles are reported by NoFragmentCyclesRule; here they just stop the walk.
          if (!frag || visiting.has(name)) continue;
          visiting.add(name);
          max = Math.max(max, depthOf(frag.selectionSet, visiting, root));
          visiting.delete(name);
        }
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set(), true);
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}`, { nodes: [node] }));
        }
      },
    };
  };
}

/** Number of aliased fields in the whole document (aliases multiply work on a single request). */
export function aliasLimitRule(maxAliases: number = LIMITS.maxAliases): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias || reported) return;
        aliases++;
        if (aliases > maxAliases) {
          reported = true;
          context.reportError(new GraphQLError(`Query uses more than ${maxAliases} aliases`, { nodes: [node] }));
        }
      },
    };
  };
}

export function limitRules(): ValidationRule[] {
  return [depthLimitRule(), aliasLimitRule()];
}
