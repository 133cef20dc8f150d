import { useState } from 'react';
import { useQuery } from 'urql';
import { MigrationQuery, RunsQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';
import { Sankey } from '../components/Sankey';

export function RunsView() {
  const [{ data, fetching, error }] = useQuery({ query: RunsQuery, requestPolicy: 'cache-and-network' });
  const runs = data?.segmentationRuns ?? [];
  const succeeded = runs.filter((r) => r.status === 'SUCCEEDED');
  const active = succeeded.find((r) => r.active) ?? succeeded[0];
  const [selected, setSelected] = useState<string | null>(null);
  const shown = runs.find((r) => r.id === selected) ?? active;
  const shownSpectral = shown ? isSpectral(shown.triedK) : false;
  // The k the rule chose (its metrics are the run's); `k` counts the segments made, one fewer in the
  // rare run where a chosen centre was nearest to no customer.
  const chosenK = shown ? (shown.metrics?.k ?? shown.k) : undefined;
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const toRun = succeeded.find((r) => r.id === to) ?? active;
  const fromRun =
    succeeded.find((r) => r.id === from) ?? succeeded.find((r) => r.id === String(toRun?.previousRunId ?? '')) ?? succeeded.find((r) => r !== toRun);
  if (error) return <ErrorNote error={error} />;
  if (fetching && !data) return <Loading what="runs" />;
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Segmentation runs</h1>
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">Runs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">k</th>
              <th scope="col">Rule</th>
              <th scope="col">Vector</th>
              <th scope="col">Customers</th>
              <th scope="col">Silhouette</th>
              <th scope="col">Davies–Bouldin</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} aria-selected={shown?.id === r.id} data-testid="run-row">
                <td>
                  <button type="button" className="link" onClick={() => setSelected(r.id)}>
                    #{r.id}
                  </button>
                  {r.active && <span className="chip">active</span>}
                </td>
                <td>
                  {r.status.toLowerCase()}
                  {r.error && <span className="muted small"> — {r.error}</span>}
                </td>
                <td>{r.k ?? '–'}</td>
                <td>{r.kRule ?? '–'}</td>
                <td>{r.vector}</td>
                <td>{fmt.int(r.customerCount)}</td>
                <td>{fmt.fixed(r.metrics?.silhouette, 3)}</td>
                <td>{fmt.fixed(r.metrics?.daviesBouldin, 3)}</td>
                <td>{fmt.date(r.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown && shown.triedK.length > 0 && (
        <>
          <h2>Run #{shown.id}: metrics per k tried</h2>
          <KChart tried={shown.triedK.map((t) => ({ k: t.k, score: kRuleScore(t) }))} chosen={chosenK} spectral={shownSpectral} />
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">k</th>
                  <th scope="col">Silhouette ↑</th>
                  {shownSpectral && (
                    <>
                      <th scope="col">Silhouette in the embedding ↑</th>
                      <th scope="col">Eigengap ↑</th>
                    </>
                  )}
                  <th scope="col">Davies–Bouldin ↓</th>
                  <th scope="col">Calinski–Harabasz ↑</th>
                  <th scope="col">Inertia</th>
                </tr>
              </thead>
              <tbody>
                {shown.triedK.map((m) => (
                  <tr key={m.k} className={m.k === chosenK ? 'chosen' : undefined}>
                    <td>
                      {m.k}
                      {m.k === chosenK && ' (chosen)'}
                    </td>
                    <td>{fmt.fixed(m.silhouette, 3)}</td>
                    {shownSpectral && (
                      <>
                        <td>{m.embeddingSilhouette == null ? '–' : fmt.fixed(m.embeddingSilhouette, 3)}</td>
                        <td>{m.eigengap == null ? '–' : fmt.fixed(m.eigengap, 3)}</td>
                      </>
                    )}
                    <td>{fmt.fixed(m.daviesBouldin, 3)}</td>
                    <td>{fmt.int(m.calinskiHarabasz)}</td>
                    <td>{fmt.int(m.inertia)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <h2>Flow between runs</h2>
      {succeeded.length < 2 || !fromRun || !toRun ? (
        <p className="muted">Two finished runs are needed; start one from Admin.</p>
      ) : (
        <>
          <div className="form-row">
            <label>
              From run{' '}
              <select value={fromRun.id} onChange={(e) => setFrom(e.target.value)}>
                {succeeded.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id}
                  </option>
                ))}
              </select>
            </label>
            <label>
              To run{' '}
              <select value={toRun.id} onChange={(e) => setTo(e.target.value)}>
                {succeeded.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <Flows from={fromRun} to={toRun} />
        </>
      )}
    </section>
  );
}

function Flows({ from, to }: { from: { id: string; segments: { id: string; name: string }[] }; to: { id: string; segments: { id: string; name: string }[] } }) {
  const [{ data, error }] = useQuery({ query: MigrationQuery, variables: { from: from.id, to: to.id } });
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading what="flows" />;
  return <Sankey flows={data.migration} from={from.segments} to={to.segments} fromLabel={`Run #${from.id}`} toLabel={`Run #${to.id}`} />;
}

interface Tried {
  k: number;
  silhouette: number;
  embeddingSilhouette?: number | null;
  eigengap?: number | null;
}

/** Spectral runs store the two factors their k rule reads. */
const isSpectral = (tried: Tried[]) => tried.some((t) => t.embeddingSilhouette != null);

/**
 * What automatic k maximised (src/clustering/choose-k.ts): for spectral runs the silhouette in the
 * embedding × √eigengap, for k-means runs the silhouette.
 */
function kRuleScore(t: Tried): number {
  return t.embeddingSilhouette != null ? Math.max(0, t.embeddingSilhouette) * Math.sqrt(t.eigengap ?? 0) : t.silhouette;
}

/** The k rule's score per k: the curve automatic k chose from. */
function KChart({ tried, chosen, spectral }: { tried: { k: number; score: number }[]; chosen?: number | null; spectral: boolean }) {
  const width = 420;
  const height = 150;
  const pad = 28;
  const ks = tried.map((t) => t.k);
  const lo = Math.min(...tried.map((t) => t.score), 0);
  const hi = Math.max(...tried.map((t) => t.score), 0.01);
  const x = (k: number) => pad + ((k - Math.min(...ks)) / Math.max(1, Math.max(...ks) - Math.min(...ks))) * (width - 2 * pad);
  const y = (s: number) => height - pad - ((s - lo) / (hi - lo)) * (height - 2 * pad);
  const best = tried.find((t) => t.k === chosen);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="k-chart"
      role="img"
      aria-label={`${spectral ? 'Silhouette in the embedding × √eigengap' : 'Silhouette'} for k from ${Math.min(...ks)} to ${Math.max(...ks)}; chosen k = ${chosen ?? '–'}${best ? ` with ${best.score.toFixed(3)}` : ''}`}
    >
      <polyline fill="none" stroke="#0072B2" strokeWidth={2} points={tried.map((t) => `${x(t.k)},${y(t.score)}`).join(' ')} />
      {tried.map((t) => (
        <circle key={t.k} cx={x(t.k)} cy={y(t.score)} r={t.k === chosen ? 5 : 3} fill={t.k === chosen ? '#D55E00' : '#0072B2'}>
          <title>{`k = ${t.k}: ${t.score.toFixed(3)}`}</title>
        </circle>
      ))}
      <line x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} stroke="#444" />
      {tried.map((t) => (
        <text key={t.k} x={x(t.k)} y={height - 10} fontSize="10" textAnchor="middle">
          {t.k}
        </text>
      ))}
      <text x={4} y={12} fontSize="10">
        {spectral ? 'silhouette in the embedding × √eigengap' : 'silhouette'}
      </text>
    </svg>
  );
}
