// Query limits, applied before execution: aliases, root fields, depth, and a cost estimate in which
// list fields multiply by the page size they ask for (`first`, `limit`) and unpaginated lists of
// objects by the most items they can return, and in which `totalCount` costs what a COUNT costs.
//
// Why aliases and unpaginated lists count: one request of 200 aliases of
// `segments { members(first: 500) { totalCount } }` took 13 s and grew the process by 0.9 GB while
// the old estimate, which counted an unpaginated list once, let it through.
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  Kind,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';

export const MAX_DEPTH = 12;
export const MAX_COST = 200_000;
/** Aliased fields in one operation (fragments counted once per spread). */
export const MAX_ALIASES = 30;
/** Top-level fields in one operation. */
export const MAX_ROOT_FIELDS = 20;
/** What an unpaginated list of objects may hold at most (segments of a run: k ≤ this). */
export const UNPAGED_LIST_SIZE = 64;
/** A `totalCount`: one COUNT over up to every customer. */
export const TOTAL_COUNT_COST = 100;

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

/** Aliased fields and root fields of the operation, fragments followed (once per spread, no cycles). */
export function operationShape(
  document: DocumentNode,
  operationName?: string | null,
): { aliases: number; rootFields: number; introspectionOnly: boolean } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let aliases = 0;
  const walk = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        if (s.alias) aliases++;
        walk(s.selectionSet, seen);
      } else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) walk(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value]));
    }
  };
  const roots: string[] = [];
  const collectRoots = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) roots.push(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) collectRoots(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) collectRoots(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value]));
    }
  };
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION || (operationName && d.name?.value !== operationName)) continue;
    walk(d.selectionSet, new Set());
    collectRoots(d.selectionSet, new Set());
  }
  return { aliases, rootFields: roots.length, introspectionOnly: roots.length > 0 && roots.every((r) => r.startsWith('__')) };
}

/**
 * Depth allowed to a query of nothing but introspection (the standard one is 15 deep, its `ofType`
 * chain linear in cost). Nesting type members in each other (fields → type → fields …), the known
 * introspection attack, is refused earlier by graphql-js's own MaxIntrospectionDepthRule.
 */
export const MAX_INTROSPECTION_DEPTH = 20;

/**
 * Paginated fields cost their page size (`first`, `limit`) times what each item asks for; unpaginated
 * lists of objects cost UNPAGED_LIST_SIZE times; `totalCount` costs a COUNT.
 */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field, node }) => {
  const n = [args.first, args.limit].find((v): v is number => typeof v === 'number');
  if (n !== undefined) {
    // A connection's totalCount is asked once per page, not once per item.
    const counts = node.selectionSet?.selections.filter((s) => s.kind === Kind.FIELD && s.name.value === 'totalCount').length ?? 0;
    const perItem = Math.max(1, childComplexity - counts * TOTAL_COUNT_COST);
    return 1 + n * perItem + counts * TOTAL_COUNT_COST;
  }
  if (field.name === 'totalCount') return TOTAL_COUNT_COST;
  const type = getNullableType(field.type);
  // A connection's edges are its page, already counted by the parent's `first`.
  if (isListType(type) && isObjectType(getNamedType(type)) && field.name !== 'edges') return 1 + UNPAGED_LIST_SIZE * Math.max(1, childComplexity);
  return undefined;
};

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxRootFields: number;
  /** Introspection is on: a query of nothing but `__schema` / `__type` skips depth and cost (standard tools nest 15 deep). */
  introspection: boolean;
}

export function queryLimitsPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  const max = limits.maxCost;
  const reject = (message: string, code: string, extra: Record<string, number>) => new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const shape = operationShape(document, request.operationName);
          if (shape.aliases > limits.maxAliases) {
            throw reject(`The query uses ${shape.aliases} aliases; at most ${limits.maxAliases} are allowed.`, 'QUERY_TOO_COMPLEX', { aliases: shape.aliases, max: limits.maxAliases });
          }
          if (shape.rootFields > limits.maxRootFields) {
            throw reject(`The query asks for ${shape.rootFields} top-level fields; at most ${limits.maxRootFields} are allowed.`, 'QUERY_TOO_COMPLEX', { rootFields: shape.rootFields, max: limits.maxRootFields });
          }
          // The schema is public when introspection is on; the limits protect data, and standard
          // clients' introspection query (graphql-js getIntrospectionQuery) is 15 levels deep.
          if (limits.introspection && shape.introspectionOnly) {
            const depth = operationDepth(document, request.operationName);
            if (depth > MAX_INTROSPECTION_DEPTH) {
              throw reject(`Introspection depth ${depth} exceeds the limit of ${MAX_INTROSPECTION_DEPTH}.`, 'QUERY_TOO_DEEP', { depth, max: MAX_INTROSPECTION_DEPTH });
            }
            return;
          }
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
