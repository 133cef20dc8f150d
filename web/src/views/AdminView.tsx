import { useEffect, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { AuditLogQuery, JobQuery, OverviewQuery, RunSegmentationMutation } from '../api/operations';
import { ErrorNote } from '../components/ErrorNote';
import { fmt } from '../components/format';
import { ProgressBar } from '../components/ProgressBar';
import { RelabelForm } from '../components/RelabelForm';
import type { VectorKind } from '../gql/graphql';
import { KeysPanel } from './KeysPanel';

export function AdminView() {
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <RunPanel />
      <RelabelPanel />
      <KeysPanel />
      <AuditPanel />
    </section>
  );
}

const POLL_MS = 400;

/** Starts a segmentation run and follows its job until it ends. */
function RunPanel() {
  const client = useClient();
  const [k, setK] = useState('');
  const [minK, setMinK] = useState(2);
  const [maxK, setMaxK] = useState(12);
  const [vector, setVector] = useState<VectorKind>('COMBINED');
  const [started, start] = useMutation(RunSegmentationMutation);
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<{
    status: string;
    progress: number;
    message?: string | null;
    error?: string | null;
    processed: number;
    total: number;
    etaSeconds?: number | null;
  } | null>(null);
  const [pollError, setPollError] = useState<unknown>(null);

  useEffect(() => {
    if (!jobId) return;
    let stopped = false;
    const poll = async () => {
      while (!stopped) {
        const r = await client.query(JobQuery, { id: jobId }, { requestPolicy: 'network-only' }).toPromise();
        if (stopped) return;
        if (r.error) {
          setPollError(r.error);
          return;
        }
        setJob(r.data!.job);
        if (r.data!.job.status !== 'QUEUED' && r.data!.job.status !== 'RUNNING') {
          // The new run changes every view: refetch what is cached.
          if (r.data!.job.status === 'SUCCEEDED') await client.query(OverviewQuery, {}, { requestPolicy: 'network-only' }).toPromise();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [jobId, client]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setJob(null);
    setPollError(null);
    const r = await start({ k: k ? Number(k) : null, kRange: k ? null : [minK, maxK], vector });
    if (r.data) {
      setJob(r.data.runSegmentation);
      setJobId(r.data.runSegmentation.id);
    }
  };
  const running = job?.status === 'QUEUED' || job?.status === 'RUNNING';
  return (
    <section aria-labelledby="run-title" className="panel">
      <h2 id="run-title">Start a segmentation run</h2>
      <form className="form-row" onSubmit={submit}>
        <label>
          Fixed k <span className="muted">(empty: automatic)</span>
          <input name="k" type="number" min={2} max={100} value={k} onChange={(e) => setK(e.target.value)} />
        </label>
        <label>
          From k <input name="minK" type="number" min={2} max={100} value={minK} disabled={!!k} onChange={(e) => setMinK(Number(e.target.value))} />
        </label>
        <label>
          To k <input name="maxK" type="number" min={2} max={100} value={maxK} disabled={!!k} onChange={(e) => setMaxK(Number(e.target.value))} />
        </label>
        <label>
          Vector
          <select name="vector" value={vector} onChange={(e) => setVector(e.target.value as VectorKind)}>
            <option value="COMBINED">combined</option>
            <option value="TEXT">text</option>
            <option value="BEHAVIOUR">behaviour</option>
          </select>
        </label>
        <button type="submit" disabled={started.fetching || running}>
          Start run
        </button>
      </form>
      <ErrorNote error={started.error} />
      <ErrorNote error={pollError as Error | null} />
      {job && (
        <div className="job" data-testid="run-job">
          <ProgressBar value={job.progress} label="Segmentation progress" />
          <p className="small" role="status" aria-live="polite">
            {job.status.toLowerCase()} · {job.message ?? ''} {job.total > 0 && `(${fmt.int(job.processed)} / ${fmt.int(job.total)})`}
            {running && job.etaSeconds != null && ` · about ${Math.ceil(job.etaSeconds)} s left`}
          </p>
          {job.error && <ErrorNote error={job.error} />}
        </div>
      )}
    </section>
  );
}

function RelabelPanel() {
  const [{ data }, refetch] = useQuery({ query: OverviewQuery });
  const segments = data?.segments ?? [];
  const [chosen, setChosen] = useState('');
  const segment = segments.find((s) => s.id === chosen) ?? segments[0];
  if (!segment) return null;
  return (
    <section aria-labelledby="relabel-title" className="panel">
      <h2 id="relabel-title">Relabel a segment</h2>
      <label>
        Segment{' '}
        <select name="segment" value={segment.id} onChange={(e) => setChosen(e.target.value)}>
          {segments.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <RelabelForm key={segment.id} segment={segment} onDone={() => refetch({ requestPolicy: 'network-only' })} />
    </section>
  );
}

function AuditPanel() {
  const [after, setAfter] = useState<string | null>(null);
  const [{ data, error, fetching }, refetch] = useQuery({ query: AuditLogQuery, variables: { first: 20, after }, requestPolicy: 'cache-and-network' });
  const log = data?.auditLog;
  return (
    <section aria-labelledby="audit-title" className="panel">
      <h2 id="audit-title">Audit log</h2>
      <button type="button" onClick={() => (after ? setAfter(null) : refetch({ requestPolicy: 'network-only' }))}>
        Newest first
      </button>
      <ErrorNote error={error} />
      <div className="table-scroll short">
        <table aria-busy={fetching}>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {log?.entries.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td>{fmt.date(e.at)}</td>
                <td>
                  {e.actor} <span className="muted small">({e.role.toLowerCase()})</span>
                </td>
                <td>{e.action}</td>
                <td>{e.target ?? '–'}</td>
                <td className="small">
                  <code>{e.after ? JSON.stringify(e.after).slice(0, 160) : ''}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {log?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => setAfter(log.pageInfo.endCursor ?? null)}>
          Older entries
        </button>
      )}
    </section>
  );
}
