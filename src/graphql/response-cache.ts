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
 * tables (jobs' progress, API keys, the audit log). Not `lookalikeAudience`: its cursors name a
 * computation its own cache holds (audiences/lookalikes.ts), which may be gone when a kept first page
 * is served.
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
]);

/**
 * A backstop, not the mechanism: entries older than this are not served even when no change was
 * notified (a change made outside the database's notifications, such as a vector store edited by hand;
 * a page some of whose rows failed to load).
 */
export const RESPONSE_MAX_AGE_SECONDS = 60;

/**
 * Moves on every change that can alter a cached answer; not trusted while notifications may be missed.
 * The database's change listener (app.ts hands this over: changed / lost / restored).
 */
export class DataVersion {
  private value = 0;
  private listening = true;
  get current(): number {
    return this.value;
  }
  /** False while changes may go unheard: the cache is then neither read nor filled. */
  get trusted(): boolean {
    return this.listening;
  }
  bump(): void {
    this.value++;
  }
  changed(): void {
    this.bump();
  }
  lost(): void {
    this.listening = false;
    this.bump();
  }
  restored(): void {
    this.bump();
    this.listening = true;
  }
}

export function isCacheableOperation(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === OperationTypeNode.QUERY &&
    operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (s.name.value === '__typename' || CACHEABLE_ROOT_FIELDS.has(s.name.value)))
  );
}

/**
 * No GraphQL answer may be kept by a browser or a proxy (keys, secrets, personal data; and a kept
 * answer would not know of the next change): Apollo's cache-control plugin said so before it was
 * replaced by this module, and this says it still, cache or no cache.
 */
const noStore: ApolloServerPlugin<GraphQLContext> = {
  requestDidStart: () =>
    Promise.resolve({
      willSendResponse: (rc) => {
        rc.response.http.headers.set('cache-control', 'no-store');
        return Promise.resolve();
      },
    }),
};

/** The plugins, in order (only `no-store` headers when `maxBytes` is 0). */
export function responseCache(options: { version: DataVersion; maxBytes: number }): ApolloServerPlugin<GraphQLContext>[] {
  if (options.maxBytes <= 0) return [noStore];
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
        version.trusted &&
          rc.operation !== undefined &&
          isCacheableOperation(rc.operation) &&
          !/\bno-cache\b/i.test(rc.request.http?.headers.get('cache-control') ?? ''),
      ),
    // Nothing is filed while changes may go unheard (the listener's connection is down).
    shouldWriteToCache: () => Promise.resolve(version.trusted),
  });
  return [noStore, policy, store];
}
