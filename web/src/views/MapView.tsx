import { useEffect, useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { CustomerMapQuery, CustomerSummaryQuery } from '../api/operations';
import { ErrorNote, Loading } from '../components/ErrorNote';
import { fmt } from '../components/format';
import { segmentColour } from '../components/palette';
import { MapCanvas, type MapPoints } from '../map/MapCanvas';
import { navigate } from '../routing/router';

export function MapView() {
  const [{ data, fetching, error }] = useQuery({ query: CustomerMapQuery });
  const map = data?.customerMap;
  const points = useMemo<MapPoints | null>(
    () => (map ? { ids: map.customerIds, x: Float32Array.from(map.x), y: Float32Array.from(map.y), segment: Int32Array.from(map.segment) } : null),
    [map],
  );
  const [hover, setHover] = useState<{ index: number; at: { x: number; y: number } } | null>(null);
  if (error) return <ErrorNote error={error} />;
  if (fetching && !map) return <Loading what="the customer map" />;
  if (!map || !points) return <p>No segmentation run yet: run one from Admin.</p>;
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">Customer map</h1>
      <p className="muted">
        {fmt.int(map.count)} customers of run #{map.runId}, projected by {map.method.toUpperCase()} (x {fmt.percent(map.explainedVariance[0])}, y{' '}
        {fmt.percent(map.explainedVariance[1])} of the variance).
      </p>
      <ul className="legend-list" aria-label="Segments">
        {map.segments.map((s, i) => (
          <li key={s.id}>
            <span className="swatch" style={{ background: segmentColour(i) }} aria-hidden="true" />
            <a href={`#/segment/${s.id}`}>{s.name}</a> <span className="muted">({fmt.int(s.size)})</span>
          </li>
        ))}
      </ul>
      <div className="map-stage">
        <MapCanvas
          points={points}
          label={`Map of ${map.count} customers coloured by segment`}
          onHover={(index, at) => setHover(index === null || !at ? null : { index, at })}
          onOpen={(index) => navigate({ view: 'customer', id: points.ids[index]! })}
        />
        {hover && <HoverCard id={points.ids[hover.index]!} segment={map.segments[points.segment[hover.index]!]?.name ?? '–'} at={hover.at} />}
      </div>
    </section>
  );
}

/** The hovered customer's summary, fetched once the pointer rests (not on every point it crosses). */
function HoverCard({ id, segment, at }: { id: string; segment: string; at: { x: number; y: number } }) {
  const [resting, setResting] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setResting(id), 120);
    return () => clearTimeout(t);
  }, [id]);
  const [{ data }] = useQuery({ query: CustomerSummaryQuery, variables: { id: resting ?? '' }, pause: resting !== id });
  const c = resting === id ? data?.customer : undefined;
  return (
    <div className="hover-card" role="status" aria-live="polite" style={{ left: at.x + 14, top: at.y + 14 }} data-testid="hover-card">
      <strong>{id}</strong> · {segment}
      {c && (
        <dl>
          <dt>Country</dt>
          <dd>{c.country ?? '–'}</dd>
          <dt>Last order</dt>
          <dd>{fmt.days(c.behaviour.recencyDays)}</dd>
          <dt>Orders</dt>
          <dd>{fmt.int(c.behaviour.frequency)}</dd>
          <dt>Spend</dt>
          <dd>{fmt.money(c.behaviour.monetary)}</dd>
          {c.outlier && (
            <>
              <dt>Outlier</dt>
              <dd>yes</dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
