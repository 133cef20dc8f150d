// Qdrant's filter semantics over plain payload objects, for the embedded store.
import type { Condition, Filter, Payload } from '../vector-store.js';

export function matchesFilter(payload: Payload, filter: Filter | undefined): boolean {
  if (!filter) return true;
  if (filter.must && !filter.must.every((c) => matches(payload, c))) return false;
  if (filter.must_not && filter.must_not.some((c) => matches(payload, c))) return false;
  if (filter.should && filter.should.length > 0 && !filter.should.some((c) => matches(payload, c))) return false;
  return true;
}

function matches(payload: Payload, condition: Condition): boolean {
  if ('is_empty' in condition) {
    const v = payload[condition.is_empty.key];
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  }
  const value = payload[condition.key];
  const values = Array.isArray(value) ? value : [value];
  if ('range' in condition) {
    const { gt, gte, lt, lte } = condition.range;
    return values.some(
      (v) => typeof v === 'number' && (gt === undefined || v > gt) && (gte === undefined || v >= gte) && (lt === undefined || v < lt) && (lte === undefined || v <= lte),
    );
  }
  if ('any' in condition.match) {
    const wanted = condition.match.any;
    return values.some((v) => v !== null && v !== undefined && wanted.includes(v as string | number));
  }
  const wanted = condition.match.value;
  return values.some((v) => v === wanted);
}
