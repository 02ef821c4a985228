// dataset → run → version → deployment as a small left-to-right SVG graph;
// every node links to its page.
import { navigate } from '../../lib/router';
import type { LineageGraph as Graph, LineageNode } from './registryData';

const W = 190;
const H = 56;
const GAP_X = 56;
const GAP_Y = 14;
const PAD = 8;

const fill: Record<string, string> = { dataset: '#ecfeff', run: '#eff6ff', version: '#f5f3ff', deployment: '#f0fdf4' };
const stroke: Record<string, string> = { dataset: '#0891b2', run: '#2563eb', version: '#7c3aed', deployment: '#16a34a' };

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function LineageGraph({ graph, current }: { graph: Graph; current?: string }) {
  const rows = Math.max(1, ...graph.columns.map((c) => c.length));
  const height = PAD * 2 + rows * H + (rows - 1) * GAP_Y;
  const width = PAD * 2 + graph.columns.length * W + (graph.columns.length - 1) * GAP_X;
  const pos = new Map<string, { x: number; y: number }>();
  graph.columns.forEach((col, ci) => {
    const colHeight = col.length * H + (col.length - 1) * GAP_Y;
    const top = (height - colHeight) / 2;
    col.forEach((n, ri) => pos.set(n.id, { x: PAD + ci * (W + GAP_X), y: top + ri * (H + GAP_Y) }));
  });
  const go = (e: MouseEvent, n: LineageNode) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(n.href);
  };
  return (
    <div class="lineage" data-testid="lineage">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Lineage graph">
        <defs>
          <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" />
          </marker>
        </defs>
        {graph.edges.map(([from, to]) => {
          const a = pos.get(from)!;
          const b = pos.get(to)!;
          const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
          const mx = (x1 + x2) / 2;
          return <path key={`${from}-${to}`} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 2},${y2}`} fill="none" stroke="#94a3b8" stroke-width="1.5" marker-end="url(#lineage-arrow)" />;
        })}
        {graph.nodes.map((n) => {
          const p = pos.get(n.id)!;
          return (
            <a key={n.id} href={n.href} onClick={(e) => go(e as unknown as MouseEvent, n)} data-testid={`lineage-${n.kind}`} data-label={n.label}>
              <title>{`${n.kind}: ${n.label}`}</title>
              <rect x={p.x} y={p.y} width={W} height={H} rx="6" fill={fill[n.kind]} stroke={stroke[n.kind]} stroke-width={n.id === current ? 2.5 : 1} />
              <text x={p.x + 10} y={p.y + 16} class="kind">{n.kind}</text>
              <text x={p.x + 10} y={p.y + 33} font-weight="600" font-size="13">{clip(n.label, 24)}</text>
              <text x={p.x + 10} y={p.y + 48} font-size="11" fill="#637381">{clip(n.sub, 28)}</text>
            </a>
          );
        })}
      </svg>
    </div>
  );
}
