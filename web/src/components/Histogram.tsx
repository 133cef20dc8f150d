// One metric's histogram: the segment's members against the whole run, as shares of each group so
// that a small segment's shape compares with the population's.
import { fmt } from './format';

export interface HistogramData {
  metric: string;
  scale: string;
  edges: number[];
  members: number[];
  population: number[];
}

const LABELS: Record<string, { title: string; unit: (v: number) => string }> = {
  recencyDays: { title: 'Recency (days since last order)', unit: (v) => fmt.int(v) },
  frequency: { title: 'Frequency (orders)', unit: (v) => fmt.int(v) },
  monetary: { title: 'Monetary (net spend)', unit: (v) => fmt.money(v) },
};

export function Histogram({ data, colour }: { data: HistogramData; colour: string }) {
  const width = 360;
  const height = 160;
  const pad = { left: 8, right: 8, top: 8, bottom: 28 };
  const bins = data.members.length;
  const totalMembers = data.members.reduce((a, b) => a + b, 0) || 1;
  const totalPopulation = data.population.reduce((a, b) => a + b, 0) || 1;
  const memberShare = data.members.map((m) => m / totalMembers);
  const populationShare = data.population.map((p) => p / totalPopulation);
  const top = Math.max(...memberShare, ...populationShare, 1e-9);
  const barWidth = (width - pad.left - pad.right) / bins;
  const y = (share: number) => height - pad.bottom - (share / top) * (height - pad.top - pad.bottom);
  const label = LABELS[data.metric] ?? { title: data.metric, unit: (v: number) => String(v) };
  const peak = memberShare.indexOf(Math.max(...memberShare));
  const summary = `${label.title}: most members between ${label.unit(data.edges[peak]!)} and ${label.unit(data.edges[peak + 1]!)} (${fmt.percent(memberShare[peak])} of the segment, ${fmt.percent(populationShare[peak])} of all customers).`;
  return (
    <figure className="histogram">
      <figcaption>
        {label.title}
        {data.scale === 'log' ? ' · log scale' : ''}
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
        {populationShare.map((share, i) => (
          <rect
            key={`p${i}`}
            x={pad.left + i * barWidth}
            y={y(share)}
            width={Math.max(1, barWidth - 1)}
            height={height - pad.bottom - y(share)}
            fill="#c8c8c8"
          />
        ))}
        {memberShare.map((share, i) => (
          <rect
            key={`m${i}`}
            x={pad.left + i * barWidth + barWidth * 0.2}
            y={y(share)}
            width={Math.max(1, barWidth * 0.6 - 1)}
            height={height - pad.bottom - y(share)}
            fill={colour}
            stroke="#222"
            strokeWidth={0.3}
          >
            <title>{`${label.unit(data.edges[i]!)} – ${label.unit(data.edges[i + 1]!)}: ${fmt.percent(share)} of the segment (${data.members[i]}), ${fmt.percent(populationShare[i])} of all customers`}</title>
          </rect>
        ))}
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} stroke="#444" />
        {[0, Math.floor(bins / 2), bins].map((i) => (
          <text key={i} x={pad.left + i * barWidth} y={height - 10} textAnchor={i === 0 ? 'start' : i === bins ? 'end' : 'middle'} fontSize="11">
            {label.unit(data.edges[i]!)}
          </text>
        ))}
      </svg>
      <p className="legend">
        <span className="swatch" style={{ background: colour }} /> segment <span className="swatch" style={{ background: '#c8c8c8' }} /> all customers
      </p>
    </figure>
  );
}
