// The API's response cache: answers of read queries kept until the data they show changes. Dashboards
// ask the same questions again and again (the segments overview, a segment's first page of members),
// and between runs and writes the answers cannot change. Apollo's response-cache plugin stores them
// per API key; the key of every entry includes the data version, which moves on each change the
// database notifies (change-notifications.ts: any process's committed writes) and at once after each
// mutation this server answers, so a client reads its own writes. An answer computed while a write
// commits is filed under the version read before it started: the next request looks under the new one.
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';
import { responseCacheLookups } from '../observability/metrics.js';
import type { GraphQLContext } from './context.js';

/**
 * Root fields whose answers depend only on stored data: no side effect (exportCustomer writes an
 * audit entry), no clock (saved audiences expire, health has an uptime), nothing outside the watched
 * tables (jobs' progress, API keys, the audit log).
 */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'segments',
  'segment',
  'segmentationRuns',
  'segmentationRun',
  'migration',
  'customer',
  'customerMap',
  'shopStats',
  'valuableAtRisk',
  'lookalikeAudience',
]);

/**
 * A backstop, not the mechanism: entries older than this are not served even when no change was
 * notified (a change made outside the database's notifications: say, a vector store edited by hand).
 */
export const RESPONSE_MAX_AGE_SECONDS = 300;

/** Moves on every change that can alter a cached answer. */
export class DataVersion {
  private value = 0;
  get current(): number {
    return this.value;
  }
  bump(): void {
    this.value++;
  }
}

export function isCacheableOperation(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === OperationTypeNode.QUERY &&
    operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || CACHEABLE_ROOT_FIELDS.has(s.name.value)))
  );
}

/** The plugins, in order; none when `maxBytes` is 0. */
export function responseCache(options: { version: DataVersion; maxBytes: number }): ApolloServerPlugin<GraphQLContext>[] {
  if (options.maxBytes <= 0) return [];
  const { version } = options;
  const policy: ApolloServerPlugin<GraphQLContext> = {
    requestDidStart: () =>
      Promise.resolve({
        // Apollo's cache-control plugin (disabled in app.ts) would need a hint on every field; which
        // answers may be kept is decided here, per operation, from its root fields.
        didResolveOperation: (rc) => {
          if (rc.operation && isCacheableOperation(rc.operation)) rc.overallCachePolicy.replace({ maxAge: RESPONSE_MAX_AGE_SECONDS, scope: 'PRIVATE' });
          return Promise.resolve();
        },
        willSendResponse: (rc) => {
          if (rc.operation?.operation === OperationTypeNode.MUTATION) version.bump();
          else if (rc.operation && isCacheableOperation(rc.operation)) responseCacheLookups.inc({ result: rc.metrics.responseCacheHit ? 'hit' : 'miss' });
          return Promise.resolve();
        },
      }),
  };
  const store = responseCachePlugin<GraphQLContext>({
    cache: new InMemoryLRUCache<string>({ maxSize: options.maxBytes }),
    // Per key: what a key may see is its role's (and a revoked key never gets this far).
    sessionId: (rc) => Promise.resolve(rc.contextValue.principal ? String(rc.contextValue.principal.keyId) : null),
    extraCacheKeyData: () => Promise.resolve(version.current),
    // Only what may be kept is looked up; `Cache-Control: no-cache` from the client: answer afresh
    // (and keep that answer).
    shouldReadFromCache: (rc: GraphQLRequestContext<GraphQLContext>) =>
      Promise.resolve(
        rc.operation !== undefined && isCacheableOperation(rc.operation) && !/\bno-cache\b/i.test(rc.request.http?.headers.get('cache-control') ?? ''),
      ),
  });
  return [policy, store];
}
