// Every call a VectorStore answers with a promise, timed into the vector-store latency histogram
// (by store and operation). One wrapper for both adapters, so their figures compare like with like.
import { timed, vectorStoreDuration } from '../observability/metrics.js';
import type { VectorStore } from './vector-store.js';

const TIMED = new Set<string>([
  'ensureCollection',
  'collectionExists',
  'deleteCollection',
  'setAlias',
  'resolveAlias',
  'upsert',
  'delete',
  'retrieve',
  'search',
  'recommend',
  'count',
  'setPayload',
]);

export function instrumented(store: VectorStore, name: 'qdrant' | 'embedded'): VectorStore {
  return new Proxy(store, {
    get(target, property) {
      // Read and call on the store itself, not the proxy: adapters keep private state.
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property === 'string' && TIMED.has(property)) {
        return (...args: unknown[]) => timed(vectorStoreDuration, { store: name, operation: property }, () => method.apply(target, args) as Promise<unknown>);
      }
      return method.bind(target);
    },
  });
}
