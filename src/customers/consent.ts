// Marketing consent and suppression: which customers may leave the service in an audience (API pages,
// CSV, webhooks, files). Every path that hands members out asks this one predicate, at the time it
// hands them out, so a customer who withdraws consent drops out of old versions' pages too.
import { Prisma } from '../db/database.js';

/**
 * `opt-out`: everyone but customers whose consent is false; `opt-in`: only customers whose consent is
 * true. A suppressed customer never leaves either way.
 */
export type ConsentPolicy = 'opt-out' | 'opt-in';

/** SQL condition on the `customer` row aliased `c`: true when the customer may be delivered. */
export function deliverable(policy: ConsentPolicy): Prisma.Sql {
  return policy === 'opt-in'
    ? Prisma.sql`(c.marketing_consent IS TRUE AND c.suppressed_at IS NULL)`
    : Prisma.sql`(c.marketing_consent IS NOT FALSE AND c.suppressed_at IS NULL)`;
}

/** The same rule for one customer read through the client. */
export function mayBeDelivered(policy: ConsentPolicy, customer: { marketingConsent: boolean | null; suppressedAt: Date | null }): boolean {
  if (customer.suppressedAt) return false;
  return policy === 'opt-in' ? customer.marketingConsent === true : customer.marketingConsent !== false;
}
