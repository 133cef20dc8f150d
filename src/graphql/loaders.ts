// Per-request DataLoaders: a page of 100 members with their customers, segments and behaviour costs
// a constant number of queries, not one per member.
import DataLoader from 'dataloader';
import type { Services } from '../app/services.js';
import type { BehaviourSummary } from '../profiles/customer-profiles.js';
import type { CustomerValueAnswer, ValueQuery } from '../value/customer-values.js';

export function createLoaders(services: Services) {
  const byKey = <K, V>(keys: readonly K[], rows: V[], key: (v: V) => K) => {
    const map = new Map(rows.map((r) => [key(r), r]));
    return keys.map((k) => map.get(k) ?? null);
  };
  // One loader per horizon and discount asked for in the request (a field's arguments are part of its answer).
  const values = new Map<string, DataLoader<{ runId: number; customerId: number }, CustomerValueAnswer, string>>();
  return {
    customer: new DataLoader(async (ids: readonly number[]) => byKey(ids, await services.customers.byIds(ids), (c) => c.id)),
    customerByExternalId: new DataLoader(async (ids: readonly string[]) => byKey(ids, await services.customers.byExternalIds(ids), (c) => c.externalId)),
    segment: new DataLoader(async (ids: readonly number[]) => byKey(ids, await services.catalog.segmentsByIds(ids), (s) => s.id)),
    run: new DataLoader(async (ids: readonly number[]) => byKey(ids, await services.catalog.runsByIds(ids), (r) => r.id)),
    destination: new DataLoader(async (ids: readonly number[]) => byKey(ids, await services.destinations.byIds(ids), (d) => d.id)),
    /** The customer's membership in the active run. */
    activeMembership: new DataLoader(async (ids: readonly number[]) => byKey(ids, await services.catalog.activeMemberships(ids), (m) => m.customerId)),
    /** When the customer's vectors were written, and how many of their changes wait for live updates. */
    freshness: new DataLoader(async (ids: readonly number[]) => {
      const found = await services.customers.freshness(ids);
      return ids.map((id) => found.get(id)!);
    }),
    behaviour: new DataLoader(async (ids: readonly number[]): Promise<(BehaviourSummary | null)[]> => {
      const profiles = await services.profiles();
      const built = await profiles.build([...ids], await profiles.asOf(), false);
      return byKey(ids, built, (p) => p.id).map((p) => p?.behaviour ?? null);
    }),
    /** A customer's predicted value in a run: the customers of one request read together, per run. */
    value(query: ValueQuery) {
      const key = `${query.horizonDays}:${query.monthlyDiscountRate}`;
      let loader = values.get(key);
      if (!loader) {
        loader = new DataLoader(
          async (keys: readonly { runId: number; customerId: number }[]) => {
            const runs = new Map<number, number[]>();
            for (const k of keys) {
              const ids = runs.get(k.runId);
              if (ids) ids.push(k.customerId);
              else runs.set(k.runId, [k.customerId]);
            }
            const answers = new Map<string, CustomerValueAnswer>();
            for (const [runId, ids] of runs)
              for (const [id, answer] of await services.values.forCustomers(runId, ids, query)) answers.set(`${runId}:${id}`, answer);
            return keys.map((k) => answers.get(`${k.runId}:${k.customerId}`)!);
          },
          { cacheKeyFn: (k) => `${k.runId}:${k.customerId}` },
        );
        values.set(key, loader);
      }
      return loader;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
