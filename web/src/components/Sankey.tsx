// Customers flowing from the segments of one run to those of another (d3-sankey lays it out; React
// draws it). "new": not in the earlier run; "gone": not in the later one.
import { sankey, sankeyLinkHorizontal, type SankeyLink, type SankeyNode } from 'd3-sankey';
import { fmt } from './format';
import { segmentColour } from './palette';

export interface Flow {
  fromSegmentId?: string | null;
  toSegmentId?: string | null;
  customers: number;
}

interface NodeDatum {
  key: string;
  name: string;
  colour: string;
}

type Node = SankeyNode<NodeDatum, object>;
type Link = SankeyLink<NodeDatum, object>;

export function Sankey(props: { flows: Flow[]; from: { id: string; name: string }[]; to: { id: string; name: string }[]; fromLabel: string; toLabel: string }) {
  const width = 900;
  const margin = 230;
  const height = Math.max(260, 26 * Math.max(props.from.length, props.to.length) + 40);
  const nodes: NodeDatum[] = [
    ...props.from.map((s, i) => ({ key: `a${s.id}`, name: s.name, colour: segmentColour(i) })),
    { key: 'a-new', name: 'new', colour: '#999999' },
    ...props.to.map((s, i) => ({ key: `b${s.id}`, name: s.name, colour: segmentColour(i) })),
    { key: 'b-gone', name: 'gone', colour: '#999999' },
  ];
  const indexOf = new Map(nodes.map((n, i) => [n.key, i]));
  const links = props.flows
    .filter((f) => f.customers > 0 && (f.fromSegmentId || f.toSegmentId))
    .map((f) => ({
      source: indexOf.get(f.fromSegmentId ? `a${f.fromSegmentId}` : 'a-new')!,
      target: indexOf.get(f.toSegmentId ? `b${f.toSegmentId}` : 'b-gone')!,
      value: f.customers,
    }))
    .filter((l) => l.source !== undefined && l.target !== undefined);
  const used = new Set(links.flatMap((l) => [l.source, l.target]));
  const kept = nodes.map((n, i) => ({ n, i })).filter(({ i }) => used.has(i));
  const remap = new Map(kept.map(({ i }, j) => [i, j]));
  const layout = sankey<NodeDatum, object>()
    .nodeWidth(14)
    .nodePadding(10)
    .nodeSort(null)
    .extent([
      [margin, 24],
      [width - margin, height - 8],
    ])({ nodes: kept.map(({ n }) => ({ ...n })), links: links.map((l) => ({ source: remap.get(l.source)!, target: remap.get(l.target)!, value: l.value })) });
  const path = sankeyLinkHorizontal();
  const total = links.reduce((s, l) => s + l.value, 0);
  return (
    <svg
      className="sankey"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Flow of ${fmt.int(total)} customers from ${props.fromLabel} to ${props.toLabel}`}
    >
      <text x={margin} y={14} fontSize="12" fontWeight="600">
        {props.fromLabel}
      </text>
      <text x={width - margin} y={14} fontSize="12" fontWeight="600" textAnchor="end">
        {props.toLabel}
      </text>
      {(layout.links as Link[]).map((l, i) => {
        const source = l.source as Node;
        const target = l.target as Node;
        return (
          <path key={i} d={path(l) ?? undefined} fill="none" stroke={source.colour} strokeOpacity={0.35} strokeWidth={Math.max(1, l.width ?? 1)}>
            <title>{`${source.name} → ${target.name}: ${fmt.int(l.value)} customers`}</title>
          </path>
        );
      })}
      {(layout.nodes as Node[]).map((n) => {
        const left = n.key.startsWith('a');
        return (
          <g key={n.key}>
            <rect
              x={n.x0}
              y={n.y0}
              width={(n.x1 ?? 0) - (n.x0 ?? 0)}
              height={Math.max(1, (n.y1 ?? 0) - (n.y0 ?? 0))}
              fill={n.colour}
              stroke="#222"
              strokeWidth={0.5}
            >
              <title>{`${n.name}: ${fmt.int(n.value)} customers`}</title>
            </rect>
            <text
              x={left ? (n.x0 ?? 0) - 6 : (n.x1 ?? 0) + 6}
              y={((n.y0 ?? 0) + (n.y1 ?? 0)) / 2}
              dy="0.35em"
              fontSize="11"
              textAnchor={left ? 'end' : 'start'}
            >
              {n.name.length > 28 ? `${n.name.slice(0, 27)}…` : n.name} ({fmt.int(n.value)})
            </text>
          </g>
        );
      })}
    </svg>
  );
}
