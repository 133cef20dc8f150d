// A data subject's access request (GDPR art. 15, PIPL art. 45): everything stored about one customer
// as one JSON document — profile and consent, orders with their lines, searches, reviews, segment
// memberships in every run, value predictions, the audience versions they were in and where those
// versions were delivered, and the audit entries that name them. What is derived from them without
// naming them (vectors, cached text vectors keyed by a hash of the text) is listed by where it lives.
import type { PrismaClient } from '../db/database.js';
import { NotFoundError } from '../errors/domain-errors.js';

/** Audit entries name a customer by target (`customer:<id>`) or inside their before/after JSON. */
export function namesCustomer(externalId: string): { target: string; json: string } {
  return { target: `customer:${externalId}`, json: JSON.stringify(externalId) };
}

export async function subjectData(prisma: PrismaClient, externalId: string): Promise<Record<string, unknown>> {
  const customer = await prisma.customer.findUnique({ where: { externalId } });
  if (!customer) throw new NotFoundError(`No customer ${externalId}.`);
  const id = customer.id;
  const [orders, searches, reviews, memberships, values, audienceRows, vectors] = await Promise.all([
    prisma.order.findMany({
      where: { customerId: id },
      orderBy: { placedAt: 'asc' },
      include: { items: { orderBy: { line: 'asc' }, include: { product: { select: { externalId: true, title: true } } } } },
    }),
    prisma.searchQuery.findMany({ where: { customerId: id }, orderBy: { searchedAt: 'asc' } }),
    prisma.review.findMany({ where: { customerId: id }, orderBy: { reviewedAt: 'asc' }, include: { product: { select: { externalId: true } } } }),
    prisma.membership.findMany({
      where: { customerId: id },
      orderBy: { runId: 'asc' },
      include: { segment: { select: { id: true, lineageId: true, label: true, autoName: true } }, run: { select: { finishedAt: true, active: true } } },
    }),
    prisma.customerValue.findMany({ where: { customerId: id }, orderBy: { runId: 'asc' } }),
    prisma.audienceMember.findMany({
      where: { customerId: id },
      orderBy: [{ audienceId: 'asc' }, { version: 'asc' }],
      include: {
        audienceVersion: {
          include: {
            audience: { select: { name: true, kind: true } },
            deliveries: { include: { destination: { select: { name: true, kind: true } } } },
          },
        },
      },
    }),
    prisma.customerVector.findMany({ where: { customerId: id }, select: { embeddedAt: true, index: { select: { collection: true } } } }),
  ]);
  const names = namesCustomer(externalId);
  const audit = await prisma.$queryRaw<
    { id: number; at: Date; actor: string; role: string; action: string; target: string | null; before: unknown; after: unknown }[]
  >`
    SELECT id, at, actor, role::text AS role, action, target, before, after FROM audit_entry
    WHERE target = ${names.target} OR position(${names.json} IN coalesce(before::text, '')) > 0 OR position(${names.json} IN coalesce(after::text, '')) > 0
    ORDER BY id`;
  return {
    exportedAt: new Date().toISOString(),
    customer: {
      id: customer.externalId,
      country: customer.country,
      signupAt: customer.signupAt,
      attributes: customer.attributes,
      marketingConsent: customer.marketingConsent,
      suppressedAt: customer.suppressedAt,
      suppressionReason: customer.suppressionReason,
      createdAt: customer.createdAt,
      updatedAt: customer.updatedAt,
    },
    orders: orders.map((o) => ({
      id: o.externalId,
      placedAt: o.placedAt,
      status: o.status,
      items: o.items.map((i) => ({
        product: i.product.externalId,
        title: i.product.title,
        quantity: i.quantity,
        unitPrice: Number(i.unitPrice),
        returned: i.returned,
      })),
    })),
    searches: searches.map((s) => ({ id: s.externalId, text: s.text, searchedAt: s.searchedAt })),
    reviews: reviews.map((r) => ({
      id: r.externalId,
      product: r.product?.externalId ?? null,
      rating: r.rating,
      text: r.text,
      language: r.language,
      reviewedAt: r.reviewedAt,
    })),
    segments: memberships.map((m) => ({
      runId: m.runId,
      runFinishedAt: m.run.finishedAt,
      activeRun: m.run.active,
      segment: { id: m.segment.id, lineageId: m.segment.lineageId, name: m.segment.label ?? m.segment.autoName },
      distance: m.distance,
      outlier: m.outlier,
    })),
    valuePredictions: values.map(({ customerId: _, ...v }) => v),
    audiences: audienceRows.map((a) => ({
      audienceId: a.audienceId,
      name: a.audienceVersion.audience.name,
      kind: a.audienceVersion.audience.kind,
      version: a.version,
      versionCreatedAt: a.audienceVersion.createdAt,
      rank: a.rank + 1,
      score: a.score,
      deliveries: a.audienceVersion.deliveries.map((d) => ({
        destination: d.destination.name,
        kind: d.destination.kind,
        status: d.status,
        finishedAt: d.finishedAt,
      })),
    })),
    auditEntries: audit,
    derived: {
      vectors: vectors.map((v) => ({ collection: v.index.collection, embeddedAt: v.embeddedAt })),
      note: 'Vectors computed from this customer’s behaviour and words are kept in the vector store under their internal id; they name nothing readable.',
    },
  };
}
