// The marketer's view of churn: which model says who is slipping away and how well it did on the
// shop's last window (a calibration chart), the valuable customers most at risk with their reasons,
// and each segment's members by risk band.
import { useQuery } from 'urql';
import { AtRiskQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';

/** Customers listed: the most valuable of those more likely than not to stay away. */
const LISTED = 50;
const MIN_RISK = 0.5;

interface Bin {
  from: number;
  to: number;
  count: number;
  predicted: number;
  observed: number;
}

export function AtRiskView() {
  const [{ data, fetching, error }] = useQuery({
    query: AtRiskQuery,
    variables: { minChurnRisk: MIN_RISK, first: LISTED },
    requestPolicy: 'cache-and-network',
  });
  if (error) return <ErrorNote error={error} />;
  if (fetching && !data) return <Loading what="churn risk" />;
  const run = data?.segmentationRuns.find((r) => r.active);
  const churn = run?.valueModel?.churnModel;
  const validation = churn?.serving === 'PROPENSITY' ? churn.learntValidation : churn?.serving === 'BG_NBD' ? churn.bgNbdValidation : null;
  const customers = data?.valuableAtRisk ?? [];
  const segments = data?.segments ?? [];
  return (
    <section aria-labelledby="risk-title">
      <h1 id="risk-title">At risk</h1>
      {!churn ? (
        <p className="muted small" role="note">
          {run?.valueModel?.reason ?? 'The active segmentation has no churn model: run a segmentation.'}
        </p>
      ) : (
        <>
          <p className="small">
            Churn risk is the chance of no purchase in the next {churn.horizonDays} days. <span className="muted">{churn.why}</span>
          </p>
          {validation && (
            <>
              <h2>Calibration on the last window</h2>
              <CalibrationChart bins={validation.calibration} />
              <p className="small muted">
                ROC-AUC {fmt.fixed(validation.auc, 3)} · calibration error {fmt.fixed(validation.calibrationError, 3)}: stated chances of buying (across)
                against the share who bought (up), before the model serves.
              </p>
            </>
          )}
        </>
      )}
      <h2>Valuable customers slipping away</h2>
      {customers.length === 0 ? (
        <p className="muted small">No customer has a churn risk of at least {fmt.percent(MIN_RISK)} and a predicted value.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Valuable customers at risk">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Segment</th>
                <th scope="col">Churn risk</th>
                <th scope="col">Lifetime value</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {customers.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`#/customer/${encodeURIComponent(c.id)}`}>{c.id}</a>
                  </td>
                  <td>{c.segment ? <a href={`#/segment/${encodeURIComponent(c.segment.id)}`}>{c.segment.name}</a> : '–'}</td>
                  <td>{fmt.percent(c.value.churnRisk)}</td>
                  <td>{fmt.money(c.value.clv)}</td>
                  <td className="small">{c.value.churnReasons?.join('; ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Risk bands by segment</h2>
      <div className="table-scroll">
        <table aria-label="Risk bands by segment">
          <thead>
            <tr>
              <th scope="col">Segment</th>
              <th scope="col">Low (under ⅓)</th>
              <th scope="col">Medium</th>
              <th scope="col">High (over ⅔)</th>
              <th scope="col">Unknown</th>
            </tr>
          </thead>
          <tbody>
            {segments.map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={`#/segment/${encodeURIComponent(s.id)}`}>{s.name}</a>
                </td>
                <td>{fmt.int(s.churnRiskBands.low)}</td>
                <td>{fmt.int(s.churnRiskBands.medium)}</td>
                <td>{fmt.int(s.churnRiskBands.high)}</td>
                <td>{fmt.int(s.churnRiskBands.unknown)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Stated chance (across) against the share who bought (up), a dot per tenth sized by its customers; on the diagonal is calibrated. */
function CalibrationChart({ bins }: { bins: readonly Bin[] }) {
  const size = 220;
  const pad = 24;
  const scale = (v: number) => pad + v * (size - 2 * pad);
  const most = Math.max(1, ...bins.map((b) => b.count));
  const label = bins.map((b) => `${fmt.percent(b.predicted)} stated, ${fmt.percent(b.observed)} bought (${b.count})`).join('; ');
  return (
    <svg width={size} height={size} role="img" aria-label={`Calibration: ${label}`} data-testid="calibration-chart">
      <rect x={pad} y={pad} width={size - 2 * pad} height={size - 2 * pad} fill="none" stroke="currentColor" strokeOpacity={0.3} />
      <line x1={scale(0)} y1={size - scale(0)} x2={scale(1)} y2={size - scale(1)} stroke="currentColor" strokeOpacity={0.4} strokeDasharray="4 3" />
      {bins.map((b) => (
        <circle
          key={b.from}
          cx={scale(b.predicted)}
          cy={size - scale(b.observed)}
          r={3 + 7 * Math.sqrt(b.count / most)}
          fill="currentColor"
          fillOpacity={0.6}
        />
      ))}
    </svg>
  );
}
