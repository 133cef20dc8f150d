import { useState } from 'react';
import { useQuery } from 'urql';
import { OverviewQuery, SegmentDetailQuery, SegmentMembersQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';
import { Histogram } from '../components/Histogram';
import { segmentColour } from '../components/palette';
import { RelabelForm } from '../components/RelabelForm';
import type { MemberOrder } from '../gql/graphql';
import { useSession } from '../session/session';

const PAGE = 25;
const ORDERS: { value: MemberOrder; label: string }[] = [
  { value: 'DISTANCE', label: 'Nearest the centre' },
  { value: 'MONETARY', label: 'Highest spend' },
  { value: 'RECENCY', label: 'Most recent' },
  { value: 'FREQUENCY', label: 'Most orders' },
];

export function SegmentView({ id }: { id: string }) {
  const session = useSession();
  const [{ data, fetching, error }, refetch] = useQuery({ query: SegmentDetailQuery, variables: { id } });
  const [{ data: overview }] = useQuery({ query: OverviewQuery });
  const [editing, setEditing] = useState(false);
  if (error) return <ErrorNote error={error} />;
  if (fetching && !data) return <Loading what="the segment" />;
  const s = data?.segment;
  if (!s) return null;
  const index = overview?.segments.findIndex((x) => x.id === s.id) ?? -1;
  const colour = segmentColour(Math.max(0, index));
  return (
    <section aria-labelledby="segment-title">
      <p>
        <a href="#/">← All segments</a>
      </p>
      <h1 id="segment-title">
        <span className="swatch" style={{ background: colour }} aria-hidden="true" /> {s.name}
      </h1>
      <p>{s.description}</p>
      {s.tags.length > 0 && (
        <p>
          {s.tags.map((t) => (
            <span key={t} className="chip tag">
              {t}
            </span>
          ))}
        </p>
      )}
      <p className="muted">
        {fmt.int(s.size)} customers ({fmt.percent(s.share)}) · {s.archetype} · quality {fmt.fixed(s.quality)} · run #{s.runId}
        {s.label && <> · automatic name “{s.automaticName}”</>}
      </p>
      <div className="actions">
        {session.can('ADMIN') && (
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {editing ? 'Close label editor' : 'Relabel segment'}
          </button>
        )}
        {session.can('MARKETER') && (
          <a className="button" href={`#/lookalike/${s.id}`}>
            Build a lookalike audience
          </a>
        )}
      </div>
      {editing && session.can('ADMIN') && <RelabelForm key={s.id} segment={s} onDone={() => refetch({ requestPolicy: 'network-only' })} />}

      <h2>Profile</h2>
      <dl className="rfm wide">
        <div>
          <dt>Median recency</dt>
          <dd>{fmt.days(s.medians.recencyDays)}</dd>
        </div>
        <div>
          <dt>Median orders</dt>
          <dd>{fmt.fixed(s.medians.frequency, 0)}</dd>
        </div>
        <div>
          <dt>Median spend</dt>
          <dd>{fmt.money(s.medians.monetary)}</dd>
        </div>
        <div>
          <dt>Average order</dt>
          <dd>{fmt.money(s.medians.averageOrderValue)}</dd>
        </div>
        <div>
          <dt>Return rate</dt>
          <dd>{fmt.percent(s.medians.returnRate)}</dd>
        </div>
      </dl>
      <p>
        <span className="muted">Keywords:</span>{' '}
        {s.keywords.map((k) => (
          <span key={k} className="chip">
            {k}
          </span>
        ))}
      </p>
      <p className="small">
        <span className="muted">Top categories:</span> {s.topCategories.map((c) => `${c.category} ${fmt.percent(c.share)}`).join(' · ')}
      </p>
      <div className="histograms">
        <Histogram data={s.histograms.recencyDays} colour={colour} />
        <Histogram data={s.histograms.frequency} colour={colour} />
        <Histogram data={s.histograms.monetary} colour={colour} />
      </div>

      <h2>Value and churn risk</h2>
      {s.value.reason && (
        <p className="small muted" role="note">
          {s.value.reason}
        </p>
      )}
      <dl className="rfm wide" aria-label="Predicted value">
        <div>
          <dt>Mean chance still a customer</dt>
          <dd>{fmt.percent(s.value.meanPAlive)}</dd>
        </div>
        <div>
          <dt>At risk</dt>
          <dd>{fmt.percent(s.value.shareAtRisk)}</dd>
        </div>
        <div>
          <dt>Purchases, next {s.value.horizonDays} days</dt>
          <dd>{fmt.fixed(s.value.expectedPurchases, 0)}</dd>
        </div>
        <div>
          <dt>Lifetime value ({s.value.horizonDays} days)</dt>
          <dd>{fmt.money(s.value.sumClv)}</dd>
        </div>
        <div>
          <dt>Per customer</dt>
          <dd>{fmt.money(s.value.meanClv)}</dd>
        </div>
      </dl>
      <h2>Products to offer</h2>
      {s.recommendedProducts.length === 0 ? (
        <p className="muted small">No product stands out in this segment.</p>
      ) : (
        <ol aria-label="Products to offer">
          {s.recommendedProducts.map((r) => (
            <li key={r.product.id}>
              {r.product.title} <span className="muted small">{r.reason}</span>
            </li>
          ))}
        </ol>
      )}

      <h2>Representative customers</h2>
      <ul className="inline-list">
        {s.representatives.map((c) => (
          <li key={c.id}>
            <a href={`#/customer/${encodeURIComponent(c.id)}`}>{c.id}</a>{' '}
            <span className="muted small">
              {c.country} · {fmt.money(c.behaviour.monetary)}
            </span>
          </li>
        ))}
      </ul>
      <Members id={s.id} total={s.size} />
    </section>
  );
}

/** Cursor pagination: the API's keyset cursors, and a stack of them for going back. */
function Members({ id, total }: { id: string; total: number }) {
  const [orderBy, setOrderBy] = useState<MemberOrder>('DISTANCE');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const [{ data, fetching, error }] = useQuery({ query: SegmentMembersQuery, variables: { id, first: PAGE, after, orderBy } });
  const members = data?.segment.members;
  const page = cursors.length;
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <label>
        Sort by{' '}
        <select
          value={orderBy}
          onChange={(e) => {
            setOrderBy(e.target.value as MemberOrder);
            setCursors([null]);
          }}
        >
          {ORDERS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={error} />
      <div className="table-scroll">
        <table aria-describedby="members-page" aria-busy={fetching}>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Customer</th>
              <th scope="col">Country</th>
              <th scope="col">Distance</th>
              <th scope="col">Last order</th>
              <th scope="col">Orders</th>
              <th scope="col">Spend</th>
              <th scope="col">Flags</th>
            </tr>
          </thead>
          <tbody>
            {members?.edges.map((e, i) => (
              <tr key={e.cursor} data-testid="member-row">
                <td>{(page - 1) * PAGE + i + 1}</td>
                <td>
                  <a href={`#/customer/${encodeURIComponent(e.node.customer.id)}`}>{e.node.customer.id}</a>
                </td>
                <td>{e.node.customer.country ?? '–'}</td>
                <td>{fmt.fixed(e.node.distance, 3)}</td>
                <td>{fmt.days(e.node.recencyDays)}</td>
                <td>{fmt.int(e.node.frequency)}</td>
                <td>{fmt.money(e.node.monetary)}</td>
                <td>{[e.node.outlier && 'outlier', e.node.provisional && 'provisional'].filter(Boolean).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Member pages">
        <button type="button" disabled={page === 1 || fetching} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span id="members-page" aria-live="polite">
          Page {page} of {Math.max(1, Math.ceil((members?.totalCount ?? total) / PAGE))}
        </span>
        <button
          type="button"
          disabled={!members?.pageInfo.hasNextPage || fetching}
          onClick={() => setCursors([...cursors, members!.pageInfo.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
