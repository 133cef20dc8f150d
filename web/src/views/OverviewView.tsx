import { useQuery } from 'urql';
import { OverviewQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';
import { segmentColour } from '../components/palette';

export function OverviewView() {
  const [{ data, fetching, error }] = useQuery({ query: OverviewQuery, requestPolicy: 'cache-and-network' });
  if (error) return <ErrorNote error={error} />;
  if (fetching && !data) return <Loading what="segments" />;
  const segments = data?.segments ?? [];
  const run = segments[0]?.run;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Segments</h1>
      {run ? (
        <p className="muted" data-testid="overview-summary">
          {segments.length} segments · run #{run.id} ({run.kRule ?? 'k'}) · {fmt.int(run.customerCount)} customers · {fmt.date(run.finishedAt)}
        </p>
      ) : (
        <p>No segmentation run yet.</p>
      )}
      <ul className="cards">
        {segments.map((s, i) => (
          <li key={s.id} className="card" data-testid="segment-card" style={{ borderTopColor: segmentColour(i) }}>
            <h2>
              <span className="swatch" style={{ background: segmentColour(i) }} aria-hidden="true" />
              <a href={`#/segment/${s.id}`}>{s.name}</a>
            </h2>
            {s.label && <p className="muted small">automatic: {s.automaticName}</p>}
            <p className="size">
              <strong>{fmt.int(s.size)}</strong> customers · {fmt.percent(s.share)}
            </p>
            <dl className="rfm">
              <div>
                <dt>Recency</dt>
                <dd>{fmt.days(s.medians.recencyDays)}</dd>
              </div>
              <div>
                <dt>Orders</dt>
                <dd>{fmt.fixed(s.medians.frequency, 0)}</dd>
              </div>
              <div>
                <dt>Spend</dt>
                <dd>{fmt.money(s.medians.monetary)}</dd>
              </div>
            </dl>
            <p className="small">
              <span className="muted">Top categories:</span>{' '}
              {s.topCategories
                .slice(0, 3)
                .map((c) => `${c.category} ${fmt.percent(c.share)}`)
                .join(', ')}
            </p>
            <p className="keywords small" lang="">
              {s.keywords.slice(0, 8).map((k) => (
                <span key={k} className="chip">
                  {k}
                </span>
              ))}
            </p>
            <p className="small">
              <span className="muted">Trend:</span>{' '}
              {s.trend ? (
                s.trend.previousSegmentId ? (
                  <>
                    {fmt.signed(s.trend.sizeChange)} since last run (in {fmt.int(s.trend.inflow)}, out {fmt.int(s.trend.outflow)})
                  </>
                ) : (
                  <>new this run</>
                )
              ) : (
                <>first run</>
              )}
              {' · '}
              <span className="muted">Quality:</span> <abbr title="mean silhouette of the segment's members, −1 to 1">{fmt.fixed(s.quality)}</abbr>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
