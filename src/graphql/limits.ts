// Query limits, applied before execution: depth, and a cost estimate in which list fields multiply
// by the page size they ask for (`first`, `limit`, `size`).
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type ASTNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

export const MAX_DEPTH = 12;
export const MAX_COST = 200_000;

/** The deepest field nesting of the operation, fragments followed. */
export function operationDepth(document: DocumentNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const depthOf = (node: ASTNode, depth: number, seen: Set<string>): number => {
    if (!('selectionSet' in node) || !node.selectionSet) return depth;
    let deepest = depth;
    for (const s of node.selectionSet.selections) {
      if (s.kind === Kind.FIELD) deepest = Math.max(deepest, depthOf(s, depth + 1, seen));
      else if (s.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(s, depth, seen));
      else if (s.kind === Kind.FRAGMENT_SPREAD && !seen.has(s.name.value)) {
        const f = fragments.get(s.name.value);
        if (f) deepest = Math.max(deepest, depthOf(f, depth, new Set([...seen, s.name.value])));
      }
    }
    return deepest;
  };
  return Math.max(
    0,
    ...document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName))
      .map((d) => depthOf(d, 0, new Set())),
  );
}

/** List fields cost their page size (`first`, `limit`) times what each item asks for. */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const n = [args.first, args.limit].find((v): v is number => typeof v === 'number');
  return n === undefined ? undefined : 1 + n * Math.max(1, childComplexity);
};

export function queryLimitsPlugin(schema: GraphQLSchema, limits: { maxDepth: number; maxCost: number }): ApolloServerPlugin {
  const max = limits.maxCost;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const depth = operationDepth(document, request.operationName);
          if (depth > limits.maxDepth) {
            throw new GraphQLError(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}.`, { extensions: { code: 'QUERY_TOO_DEEP', depth, max: limits.maxDepth, http: { status: 400 } } });
          }
          let cost: number;
          try {
            cost = getComplexity({ schema, query: document, variables: request.variables ?? {}, operationName: request.operationName, estimators: [pageEstimator, simpleEstimator({ defaultComplexity: 1 })] });
          } catch {
            // Variables that do not coerce: execution reports them as BAD_USER_INPUT (HTTP 400).
            return;
          }
          if (cost > max) throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${max}; ask for smaller pages.`, { extensions: { code: 'QUERY_TOO_COSTLY', cost, max, http: { status: 400 } } });
        },
      };
    },
  };
}
