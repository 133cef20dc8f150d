// Per-request DataLoaders: a page of 100 members with their customers, segments and behaviour costs
// a constant number of queries, not one per member.
import DataLoader from 'dataloader';
import type { Services } from './context.js';
import type { BehaviourSummary } from '../profiles/customer-profiles.js';

export function createLoaders(services: Services) {
  const prisma = services.db.prisma;
  const byKey = <K, V>(keys: readonly K[], rows: V[], key: (v: V) => K) => {
    const map = new Map(rows.map((r) => [key(r), r]));
    return keys.map((k) => map.get(k) ?? null);
  };
  return {
    customer: new DataLoader(async (ids: readonly number[]) => byKey(ids, await prisma.customer.findMany({ where: { id: { in: [...ids] } } }), (c) => c.id)),
    customerByExternalId: new DataLoader(async (ids: readonly string[]) =>
      byKey(ids, await prisma.customer.findMany({ where: { externalId: { in: [...ids] } } }), (c) => c.externalId),
    ),
    segment: new DataLoader(async (ids: readonly number[]) => byKey(ids, await prisma.segment.findMany({ where: { id: { in: [...ids] } } }), (s) => s.id)),
    run: new DataLoader(async (ids: readonly number[]) => byKey(ids, await prisma.segmentationRun.findMany({ where: { id: { in: [...ids] } } }), (r) => r.id)),
    /** The customer's membership in the active run. */
    activeMembership: new DataLoader(async (ids: readonly number[]) => {
      const run = await prisma.segmentationRun.findFirst({ where: { active: true }, select: { id: true } });
      if (!run) return ids.map(() => null);
      return byKey(ids, await prisma.membership.findMany({ where: { runId: run.id, customerId: { in: [...ids] } } }), (m) => m.customerId);
    }),
    behaviour: new DataLoader(async (ids: readonly number[]): Promise<(BehaviourSummary | null)[]> => {
      const profiles = await services.profiles();
      const built = await profiles.build([...ids], await profiles.asOf(), false);
      return byKey(ids, built, (p) => p.id).map((p) => p?.behaviour ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
