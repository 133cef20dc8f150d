import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import {
  AudiencesQuery,
  LookalikeQuery,
  OverviewQuery,
  RefreshAudienceMutation,
  SaveAudienceMutation,
  SegmentSeedsQuery,
  ValuableAtRiskQuery,
} from '../api/operations';
import { ErrorNote } from '../components/ErrorNote';
import { fmt } from '../components/format';
import type { AudienceFilter, LookalikeQuery as LookalikeResult, LookalikeStrategy, VectorKind } from '../gql/graphql';
import { useSession } from '../session/session';

/** Seeds taken from a segment: its members nearest the centre (the API pages at most 500 at a time). */
const SEGMENT_SEEDS = 500;

interface Parameters {
  seeds: string[];
  size: number;
  filter: AudienceFilter | null;
  vector: VectorKind;
  strategy: LookalikeStrategy;
  excludeSeeds: boolean;
}

export function LookalikeView({ segment }: { segment?: string }) {
  const client = useClient();
  const [{ data: overview }] = useQuery({ query: OverviewQuery });
  const segments = overview?.segments ?? [];
  const [source, setSource] = useState<'segment' | 'atRisk' | 'ids'>('segment');
  const [minChurnRisk, setMinChurnRisk] = useState(0.5);
  const [seedSegment, setSeedSegment] = useState(segment ?? '');
  const [pasted, setPasted] = useState('');
  const [size, setSize] = useState(200);
  const [vector, setVector] = useState<VectorKind>('LEXICAL');
  const [strategy, setStrategy] = useState<LookalikeStrategy>('AVERAGE_VECTOR');
  const [countries, setCountries] = useState('');
  const [excludeSeedSegment, setExcludeSeedSegment] = useState(true);
  const [built, setBuilt] = useState<{ parameters: Parameters; result: LookalikeResult['lookalikeAudience'] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chosenSegment = seedSegment || segments[0]?.id || '';

  const build = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setBuilt(null);
    try {
      let seeds: string[];
      if (source === 'segment') {
        const r = await client.query(SegmentSeedsQuery, { id: chosenSegment, first: SEGMENT_SEEDS }).toPromise();
        if (r.error) throw r.error;
        seeds = r.data?.segment.members.edges.map((m) => m.node.customer.id) ?? [];
      } else if (source === 'atRisk') {
        // A win-back audience: customers like the valuable ones who are slipping away.
        const r = await client.query(ValuableAtRiskQuery, { minChurnRisk, first: SEGMENT_SEEDS }, { requestPolicy: 'network-only' }).toPromise();
        if (r.error) throw r.error;
        seeds = r.data?.valuableAtRisk.map((c) => c.id) ?? [];
        if (seeds.length === 0)
          throw new Error(
            `No customer has a churn risk of at least ${fmt.percent(minChurnRisk)} and a predicted value: lower the minimum, or see the active run’s value model for why there are no predictions.`,
          );
      } else {
        seeds = [
          ...new Set(
            pasted
              .split(/[\s,;]+/)
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        ];
      }
      const filter: AudienceFilter = {
        ...(countries.trim()
          ? {
              countries: countries
                .split(',')
                .map((c) => c.trim())
                .filter(Boolean),
            }
          : {}),
        ...(source === 'segment' && excludeSeedSegment ? { excludeSegments: [chosenSegment] } : {}),
      };
      const parameters: Parameters = { seeds, size, filter: Object.keys(filter).length ? filter : null, vector, strategy, excludeSeeds: true };
      const r = await client.query(LookalikeQuery, parameters, { requestPolicy: 'network-only' }).toPromise();
      if (r.error) throw r.error;
      setBuilt({ parameters, result: r.data!.lookalikeAudience });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="lookalike-title">
      <h1 id="lookalike-title">Lookalike audience</h1>
      <form className="lookalike-form" onSubmit={build} aria-describedby="lookalike-help">
        <p id="lookalike-help" className="muted">
          Customers most like the seeds, ranked; a fifth of the seeds is held out to estimate how well the audience finds people like them.
        </p>
        <fieldset>
          <legend>Seeds</legend>
          <label>
            <input type="radio" name="source" checked={source === 'segment'} onChange={() => setSource('segment')} /> Members of a segment
          </label>
          <label>
            <input type="radio" name="source" checked={source === 'atRisk'} onChange={() => setSource('atRisk')} /> High-value customers slipping away
          </label>
          <label>
            <input type="radio" name="source" checked={source === 'ids'} onChange={() => setSource('ids')} /> Pasted customer ids
          </label>
          {source === 'segment' ? (
            <>
              <label>
                Seed segment
                <select name="seedSegment" value={chosenSegment} onChange={(e) => setSeedSegment(e.target.value)}>
                  {segments.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name} ({fmt.int(s.size)})
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <input type="checkbox" checked={excludeSeedSegment} onChange={(e) => setExcludeSeedSegment(e.target.checked)} /> Leave the seed segment out of
                the audience
              </label>
            </>
          ) : source === 'atRisk' ? (
            <label>
              Minimum churn risk <span className="muted">(0 to 1; the {SEGMENT_SEEDS} with the highest predicted lifetime value among them are the seeds)</span>
              <input
                name="minChurnRisk"
                type="number"
                min={0}
                max={1}
                step="any"
                value={minChurnRisk}
                onChange={(e) => setMinChurnRisk(Number(e.target.value))}
                required
              />
            </label>
          ) : (
            <label>
              Customer ids <span className="muted">(separated by spaces, commas or lines)</span>
              <textarea name="seedIds" rows={4} value={pasted} onChange={(e) => setPasted(e.target.value)} />
            </label>
          )}
        </fieldset>
        <div className="form-row">
          <label>
            Audience size <input name="size" type="number" min={1} max={100000} value={size} onChange={(e) => setSize(Number(e.target.value))} required />
          </label>
          <label>
            Vector
            <select name="vector" value={vector} onChange={(e) => setVector(e.target.value as VectorKind)}>
              <option value="LEXICAL">words (what they buy and write, against the shop)</option>
              <option value="COMBINED">combined (words + behaviour)</option>
              <option value="TEXT">text (what they search and write)</option>
              <option value="BEHAVIOUR">behaviour (what they do)</option>
            </select>
          </label>
          <label>
            Strategy
            <select name="strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as LookalikeStrategy)}>
              <option value="AVERAGE_VECTOR">average vector (fast, broad)</option>
              <option value="BEST_SCORE">best score (every sub-group of the seeds)</option>
            </select>
          </label>
          <label>
            Countries <span className="muted">(optional, comma-separated)</span>
            <input name="countries" value={countries} onChange={(e) => setCountries(e.target.value)} />
          </label>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Building…' : 'Build audience'}
        </button>
      </form>
      <ErrorNote error={error as Error | null} />
      {built && <Result built={built} />}
      <SavedAudiences />
    </section>
  );
}

function Result({ built }: { built: { parameters: Parameters; result: LookalikeResult['lookalikeAudience'] } }) {
  const { result, parameters } = built;
  const [name, setName] = useState('');
  const [saved, save] = useMutation(SaveAudienceMutation);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save({ ...parameters, name }, { additionalTypenames: ['Audience'] });
  };
  return (
    <section aria-labelledby="result-title" className="result">
      <h2 id="result-title">Audience: {fmt.int(result.size)} customers</h2>
      <p data-testid="audience-quality">
        {result.quality ? (
          <>
            Hold-out quality: <strong>{fmt.percent(result.quality.recall)}</strong> of {result.quality.heldOut} held-out seeds recovered (
            {result.quality.recovered}) by an audience of this size built from the other seeds.
          </>
        ) : (
          'Too few seeds for a hold-out estimate.'
        )}{' '}
        {result.seedsUsed} seeds used
        {result.seedsMissing.length > 0 && `, ${result.seedsMissing.length} unknown ids ignored (${result.seedsMissing.slice(0, 5).join(', ')}…)`}.
      </p>
      <div className="table-scroll short">
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Customer</th>
              <th scope="col">{parameters.vector === 'TEXT' ? 'Similarity (higher is nearer)' : 'Distance (lower is nearer)'}</th>
              <th scope="col">Segment</th>
              <th scope="col">Country</th>
            </tr>
          </thead>
          <tbody>
            {result.members.edges.map(({ node }) => (
              <tr key={node.customer.id} data-testid="audience-row">
                <td>{node.rank + 1}</td>
                <td>
                  <a href={`#/customer/${encodeURIComponent(node.customer.id)}`}>{node.customer.id}</a>
                </td>
                <td>{fmt.fixed(node.score, 4)}</td>
                <td>{node.customer.segment?.name ?? '–'}</td>
                <td>{node.customer.country ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.members.totalCount > result.members.edges.length && (
        <p className="muted small">
          Showing the first {result.members.edges.length} of {fmt.int(result.members.totalCount)}; the CSV has all.
        </p>
      )}
      <form className="form-row" onSubmit={submit}>
        <label>
          Audience name <input name="audienceName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <button type="submit" disabled={saved.fetching}>
          Save audience
        </button>
      </form>
      <ErrorNote error={saved.error} />
      {saved.data && (
        <p role="status" className="ok">
          Saved “{saved.data.saveAudience.name}” ({fmt.int(saved.data.saveAudience.size)} customers). <CsvButton audience={saved.data.saveAudience} />
        </p>
      )}
    </section>
  );
}

function SavedAudiences() {
  // additionalTypenames: an empty list has no Audience to invalidate, yet a save must refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Audience'] }), []);
  const [{ data, error }, reload] = useQuery({ query: AudiencesQuery, context });
  const [refreshed, refresh] = useMutation(RefreshAudienceMutation);
  // Refreshes and deliveries are jobs: while one was just asked for, or a delivery is still under way,
  // the list is read again every couple of seconds.
  const [watchUntil, setWatchUntil] = useState(0);
  const audiences = data?.audiences ?? [];
  const underWay = audiences.some((a) => a.versionOf?.deliveries.some((d) => d.status === 'PENDING' || d.status === 'RETRYING'));
  useEffect(() => {
    if (!underWay && watchUntil < Date.now()) return;
    const timer = setTimeout(() => reload({ requestPolicy: 'network-only' }), 2000);
    return () => clearTimeout(timer);
  }, [data, underWay, watchUntil, reload]);
  if (error) return <ErrorNote error={error} />;
  if (!audiences.length) return null;
  const refreshNow = async (id: string) => {
    await refresh({ id });
    setWatchUntil(Date.now() + 30_000);
  };
  return (
    <section aria-labelledby="saved-title">
      <h2 id="saved-title">Saved audiences</h2>
      {refreshed.error && <ErrorNote error={refreshed.error} />}
      <div className="table-scroll short">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Size</th>
              <th scope="col" title="Members without marketing consent, or suppressed: never delivered">
                Held back
              </th>
              <th scope="col">Version</th>
              <th scope="col">Schedule</th>
              <th scope="col">Deliveries</th>
              <th scope="col">Quality</th>
              <th scope="col">CSV</th>
            </tr>
          </thead>
          <tbody>
            {audiences.map((a) => (
              <tr key={a.id} data-testid="saved-audience">
                <td>
                  {a.name}
                  <div className="muted">
                    {a.kind === 'FILTER' ? 'Filter' : 'Lookalike'} · {fmt.date(a.createdAt)} by {a.createdBy}
                  </div>
                </td>
                <td>{fmt.int(a.size)}</td>
                <td>{fmt.int(a.heldBack)}</td>
                <td>
                  v{a.version}
                  {a.versionOf && a.version > 1 && (
                    <div className="muted">
                      +{fmt.int(a.versionOf.added)} / −{fmt.int(a.versionOf.removed)}
                    </div>
                  )}
                  <div className="muted">{a.refreshedAt ? `refreshed ${fmt.date(a.refreshedAt)}` : ''}</div>
                </td>
                <td>
                  {a.schedule ? <code>{a.schedule}</code> : 'on demand'}
                  {a.nextRefreshAt && <div className="muted">next {fmt.date(a.nextRefreshAt)}</div>}
                  <div>
                    <button type="button" onClick={() => void refreshNow(a.id)} aria-label={`Refresh ${a.name} now`}>
                      Refresh now
                    </button>
                  </div>
                </td>
                <td data-testid="audience-deliveries">
                  {a.versionOf?.deliveries.length ? (
                    <ul className="plain">
                      {a.versionOf.deliveries.map((d) => (
                        <li key={d.id} title={d.lastError ?? undefined}>
                          {d.destination?.name ?? 'deleted destination'}: <strong className={`delivery-${d.status.toLowerCase()}`}>{d.status}</strong>
                          {d.attempts > 0 && ` · ${d.attempts} failed attempt${d.attempts > 1 ? 's' : ''}`}
                          {d.destination?.paused && ' · destination paused'}
                          {d.lastError && <div className="muted">{d.lastError}</div>}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">none attached</span>
                  )}
                </td>
                <td>{fmt.percent(a.quality?.recall)}</td>
                <td>
                  <CsvButton audience={a} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The CSV needs the API key, so it is fetched with it and handed to the browser as a file. */
function CsvButton({ audience }: { audience: { id: string; name: string; csvPath: string } }) {
  const { key } = useSession();
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setError(null);
    const res = await fetch(audience.csvPath, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) {
      setError(`Download failed (${res.status})`);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `audience-${audience.id}-${audience.name.replace(/[^\w-]+/g, '-').toLowerCase()}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <>
      <button type="button" onClick={() => void download()} aria-label={`Download CSV of ${audience.name}`}>
        Download CSV
      </button>
      {error && (
        <span role="alert" className="error">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}
