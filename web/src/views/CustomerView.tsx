import { useQuery } from 'urql';
import { CustomerQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';

export function CustomerView({ id }: { id: string }) {
  const [{ data, fetching, error }] = useQuery({ query: CustomerQuery, variables: { id } });
  if (error) return <ErrorNote error={error} />;
  if (fetching && !data) return <Loading what="the customer" />;
  const c = data?.customer;
  if (!c) return null;
  const b = c.behaviour;
  return (
    <section aria-labelledby="customer-title">
      <p>
        <a href="#/map">← Map</a>
      </p>
      <h1 id="customer-title">Customer {c.id}</h1>
      <p>
        {c.segment ? (
          <>
            In <a href={`#/segment/${c.segment.id}`}>{c.segment.name}</a>
          </>
        ) : (
          'In no segment'
        )}{' '}
        · {c.country ?? 'country unknown'}
        {c.outlier && ' · outlier'}
        {c.provisional && ' · provisional (joined after the run)'}
      </p>
      <dl className="rfm wide">
        <div>
          <dt>Last order</dt>
          <dd>{fmt.days(b.recencyDays)}</dd>
        </div>
        <div>
          <dt>Orders</dt>
          <dd>{fmt.int(b.frequency)}</dd>
        </div>
        <div>
          <dt>Spend</dt>
          <dd>{fmt.money(b.monetary)}</dd>
        </div>
        <div>
          <dt>Average order</dt>
          <dd>{fmt.money(b.averageOrderValue)}</dd>
        </div>
        <div>
          <dt>Return rate</dt>
          <dd>{fmt.percent(b.returnRate)}</dd>
        </div>
        <div>
          <dt>Mean rating</dt>
          <dd>{fmt.fixed(b.meanRating, 1)}</dd>
        </div>
      </dl>
      <p className="small">
        <span className="muted">Categories:</span> {b.categoryShares.map((s) => `${s.category} ${fmt.percent(s.share)}`).join(' · ') || '–'}
      </p>
      <p className="small">
        <span className="muted">Recent searches:</span> {c.profile.recentSearches.join(' · ') || '–'}
      </p>
      <h2>Value and churn risk</h2>
      {c.value.reason && (
        <p className="small muted" role="note">
          {c.value.reason}
        </p>
      )}
      <dl className="rfm wide" aria-label="Predicted value">
        <div>
          <dt>Still a customer</dt>
          <dd>{fmt.percent(c.value.pAlive)}</dd>
        </div>
        <div>
          <dt>Churn risk{c.value.churnHorizonDays ? ` (no purchase in ${c.value.churnHorizonDays} days)` : ''}</dt>
          <dd>{fmt.percent(c.value.churnRisk)}</dd>
        </div>
        <div>
          <dt>Purchases, next {c.value.horizonDays} days</dt>
          <dd>{fmt.fixed(c.value.expectedPurchases, 1)}</dd>
        </div>
        <div>
          <dt>Lifetime value ({c.value.horizonDays} days)</dt>
          <dd>{fmt.money(c.value.clv)}</dd>
        </div>
      </dl>
      {c.value.churnReasons && c.value.churnReasons.length > 0 && (
        <p className="small" aria-label="Why this churn risk">
          <span className="muted">Why:</span> {c.value.churnReasons.join('; ')}
        </p>
      )}
      <h2>Recommended products</h2>
      <ProductList label="Recommended products" items={c.recommendedProducts} none="None: the customer has no vector yet." />
      <h2>Buy again</h2>
      <ProductList label="Buy again" items={c.buyAgain} none="None: no completed order yet." />
      <h2>Similar customers</h2>
      <ol>
        {c.similarCustomers.map((s) => (
          <li key={s.customer.id}>
            <a href={`#/customer/${encodeURIComponent(s.customer.id)}`}>{s.customer.id}</a>{' '}
            <span className="muted small">
              {s.customer.segment?.name ?? '–'} · score {fmt.fixed(s.score, 3)}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A list of products to offer, each with its category and why; `none` when there are none. */
function ProductList({
  label,
  items,
  none,
}: {
  label: string;
  items: readonly { product: { id: string; title: string; category?: string | null }; reason: string }[];
  none: string;
}) {
  if (items.length === 0) return <p className="muted small">{none}</p>;
  return (
    <ol aria-label={label}>
      {items.map((r) => (
        <li key={r.product.id}>
          {r.product.title}{' '}
          <span className="muted small">
            {r.product.category ?? ''} · {r.reason}
          </span>
        </li>
      ))}
    </ol>
  );
}
