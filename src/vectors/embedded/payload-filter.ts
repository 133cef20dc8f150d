// Qdrant's filter semantics over plain payload objects, for the embedded store.
import type { Condition, Filter, Payload } from '../vector-store.js';

export function matchesFilter(payload: Payload, filter: Filter | undefined, id: number): boolean {
  if (!filter) return true;
  if (filter.must && !filter.must.every((c) => matches(payload, c, id))) return false;
  if (filter.must_not && filter.must_not.some((c) => matches(payload, c, id))) return false;
  if (filter.should && filter.should.length > 0 && !filter.should.some((c) => matches(payload, c, id))) return false;
  return true;
}

/** has_id lists as sets, made once per condition (a filter is tested against every point). */
const idSets = new WeakMap<object, Set<number>>();

function matches(payload: Payload, condition: Condition, id: number): boolean {
  if ('has_id' in condition) {
    let set = idSets.get(condition);
    if (!set) idSets.set(condition, (set = new Set(condition.has_id)));
    return set.has(id);
  }
  if ('is_empty' in condition) {
    const v = payload[condition.is_empty.key];
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  }
  const value = payload[condition.key];
  const values = Array.isArray(value) ? value : [value];
  if ('range' in condition) {
    const { gt, gte, lt, lte } = condition.range;
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (gt === undefined || v > gt) &&
        (gte === undefined || v >= gte) &&
        (lt === undefined || v < lt) &&
        (lte === undefined || v <= lte),
    );
  }
  if ('any' in condition.match) {
    const wanted = condition.match.any;
    return values.some((v) => v !== null && v !== undefined && wanted.includes(v as string | number));
  }
  const wanted = condition.match.value;
  return values.some((v) => v === wanted);
}
