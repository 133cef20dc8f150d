// Query limits, applied before execution: aliases, root fields, depth, and a cost estimate in which
// list fields multiply by the page size they ask for (`first`, `limit`) and unpaginated lists of
// objects by the most items they can return, and in which `totalCount` costs what a COUNT costs.
// Depth and aliases are measured by graphql-armor's rules, the cost by graphql-query-complexity; only
// the root-field count and the page-aware estimator are ours.
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
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { MAX_SEGMENTS } from '../clustering/choose-k.js';

export const MAX_DEPTH = 12;
export const MAX_COST = 200_000;
/** Aliased fields in one operation (fragments counted once per spread). */
export const MAX_ALIASES = 30;
/** Top-level fields in one operation. */
export const MAX_ROOT_FIELDS = 20;
/** What an unpaginated list of objects may hold at most: the segments of a run, k ≤ MAX_SEGMENTS. */
export const UNPAGED_LIST_SIZE = MAX_SEGMENTS;
/** A `totalCount`: one COUNT over up to every customer. */
export const TOTAL_COUNT_COST = 100;

/** The operation named (without a name: every operation of the document). */
function operationsOf(document: DocumentNode, operationName?: string | null): OperationDefinitionNode[] {
  return document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
}

/**
 * The depth (fields nested; fragments add none, as executing them adds none) and the aliased fields
 * of the operation named (without a name: the document's most demanding one), measured by
 * graphql-armor's rules with their limits off. Both follow each fragment once and reuse its measure at every spread, so a chain of fragments
 * spreading the next one twice is linear work, and an alias inside a fragment counts once per spread,
 * as it executes once per spread.
 */
export function operationMeasures(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): { depth: number; aliases: number } {
  let depth = 0;
  let aliases = 0;
  // Only the operation that runs (and the fragments): another one in the same document costs nothing.
  const selected = {
    ...document,
    definitions: [...operationsOf(document, operationName), ...document.definitions.filter((d) => d.kind !== Kind.OPERATION_DEFINITION)],
  };
  validate(schema, selected, [
    maxDepthRule({ n: Infinity, flattenFragments: true, ignoreIntrospection: false, onAccept: [(_, { n }: { n: number }) => (depth = Math.max(depth, n))] }),
    maxAliasesRule({ n: Infinity, allowList: [], onAccept: [(_, { n }: { n: number }) => (aliases = Math.max(aliases, n))] }),
  ]);
  return { depth, aliases };
}

/**
 * The operation's top-level fields, fragments followed (what graphql-armor does not limit): whether
 * there are too many, and whether the query is nothing but introspection.
 */
export function operationRoots(document: DocumentNode, operationName?: string | null): { rootFields: number; introspectionOnly: boolean } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // Each fragment's roots once (a spread of a spread is followed, a cycle is not: validation refuses it).
  const memo = new Map<string, string[]>();
  const rootsIn = (set: SelectionSetNode, open: Set<string>): string[] =>
    set.selections.flatMap((s) => {
      if (s.kind === Kind.FIELD) return [s.name.value];
      if (s.kind === Kind.INLINE_FRAGMENT) return rootsIn(s.selectionSet, open);
      const name = s.name.value;
      const fragment = fragments.get(name);
      if (!memo.has(name) && fragment && !open.has(name)) memo.set(name, rootsIn(fragment.selectionSet, new Set([...open, name])));
      return memo.get(name) ?? [];
    });
  const roots = operationsOf(document, operationName).flatMap((d) => rootsIn(d.selectionSet, new Set()));
  return { rootFields: roots.length, introspectionOnly: roots.length > 0 && roots.every((r) => r.startsWith('__')) };
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
function pageEstimator(variables: Record<string, unknown>): ComplexityEstimator {
  return ({ args, childComplexity, field, node }) => {
    const asked = [args.first, args.limit].find((v): v is number => typeof v === 'number');
    if (asked !== undefined) {
      // A negative page is refused by the resolver; here it must not make the cost negative.
      const n = Math.max(0, asked);
      // A connection's totalCount is asked once per page, not once per item; only the ones that run
      // (not under @skip / @include(if: false)) were added into childComplexity.
      const counts =
        node.selectionSet?.selections.filter((s) => s.kind === Kind.FIELD && s.name.value === 'totalCount' && shouldInclude(s, variables)).length ?? 0;
      const perItem = Math.max(1, childComplexity - counts * TOTAL_COUNT_COST);
      return 1 + n * perItem + counts * TOTAL_COUNT_COST;
    }
    if (field.name === 'totalCount') return TOTAL_COUNT_COST;
    const type = getNullableType(field.type);
    // A connection's edges are its page, already counted by the parent's `first`.
    if (isListType(type) && isObjectType(getNamedType(type)) && field.name !== 'edges') return 1 + UNPAGED_LIST_SIZE * Math.max(1, childComplexity);
    return undefined;
  };
}

/** Whether @skip / @include let the field run (graphql-js's own rule, on coerced variables). */
function shouldInclude(node: FieldNode, variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  return true;
}

/** Nodes the cost walk visits before it gives up (graphql-query-complexity's own bound). */
export const MAX_QUERY_NODES = 10_000;

/**
 * The operation's cost; undefined when its variables do not coerce. Throws past MAX_QUERY_NODES
 * visited nodes (fragments are walked per spread here, so a doubling chain of fragments hits it).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string | null,
): number | undefined {
  const operation = operationsOf(document, operationName)[0];
  const coerced = getVariableValues(schema, operation?.variableDefinitions ?? [], variables);
  if (coerced.errors) return undefined;
  const cost = getComplexity({
    schema,
    query: document,
    variables,
    operationName: operationName ?? undefined,
    maxQueryNodes: MAX_QUERY_NODES,
    estimators: [pageEstimator(coerced.coerced), simpleEstimator({ defaultComplexity: 1 })],
  });
  return Math.max(0, cost);
}

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
  const reject = (message: string, code: string, extra: Record<string, number>) =>
    new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const shape = { ...operationRoots(document, request.operationName), ...operationMeasures(schema, document, request.operationName) };
          if (shape.aliases > limits.maxAliases) {
            throw reject(`The query uses ${shape.aliases} aliases; at most ${limits.maxAliases} are allowed.`, 'QUERY_TOO_COMPLEX', {
              aliases: shape.aliases,
              max: limits.maxAliases,
            });
          }
          if (shape.rootFields > limits.maxRootFields) {
            throw reject(`The query asks for ${shape.rootFields} top-level fields; at most ${limits.maxRootFields} are allowed.`, 'QUERY_TOO_COMPLEX', {
              rootFields: shape.rootFields,
              max: limits.maxRootFields,
            });
          }
          // The schema is public when introspection is on; the limits protect data, and standard
          // clients' introspection query (graphql-js getIntrospectionQuery) is 15 levels deep.
          const depth = shape.depth;
          if (limits.introspection && shape.introspectionOnly) {
            if (depth > MAX_INTROSPECTION_DEPTH) {
              throw reject(`Introspection depth ${depth} exceeds the limit of ${MAX_INTROSPECTION_DEPTH}.`, 'QUERY_TOO_DEEP', {
                depth,
                max: MAX_INTROSPECTION_DEPTH,
              });
            }
            return;
          }
          if (depth > limits.maxDepth) {
            throw new GraphQLError(`Query depth ${depth} exceeds the limit of ${limits.maxDepth}.`, {
              extensions: { code: 'QUERY_TOO_DEEP', depth, max: limits.maxDepth, http: { status: 400 } },
            });
          }
          // Variables that do not coerce: execution reports them as BAD_USER_INPUT (HTTP 400), with
          // the variable's path; the cost cannot be known without them.
          let cost: number | undefined;
          try {
            cost = operationCost(schema, document, request.variables ?? {}, request.operationName);
          } catch (error) {
            // Anything the cost walk cannot measure (past MAX_QUERY_NODES nodes) is refused, not let through.
            throw reject(`The query is too large to measure: ${(error as Error).message}`, 'QUERY_TOO_COMPLEX', { maxNodes: MAX_QUERY_NODES });
          }
          if (cost === undefined) return;
          if (cost > max)
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${max}; ask for smaller pages.`, {
              extensions: { code: 'QUERY_TOO_COSTLY', cost, max, http: { status: 400 } },
            });
        },
      };
    },
  };
}
