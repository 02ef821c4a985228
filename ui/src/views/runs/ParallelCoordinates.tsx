// An SVG parallel-coordinates plot of runs: the varying params and the
// chosen metric as axes, each run a line coloured by that metric.
import { buildAxes, position } from '../../lib/pcoords';
import { fmtNumber } from '../../lib/format';
import type { Run } from '../../lib/runs';
import { colour } from '../../lib/series';

export function ParallelCoordinates({ runs, params, metric }: { runs: Run[]; params: string[]; metric: string }) {
  const rows = runs.map((r) => ({ ...r.params, [`metric:${metric}`]: r.metrics[metric] }) as Record<string, string | number | undefined>);
  const axes = buildAxes(rows, [...params.map((key) => ({ key, kind: 'param' as const })), { key: `metric:${metric}`, kind: 'metric' as const }]);
  if (axes.length < 2) return <p class="muted">Parallel coordinates need at least one param that differs between the runs.</p>;
  const W = Math.max(480, axes.length * 140);
  const H = 300;
  const pad = { top: 28, bottom: 36, side: 60 };
  const x = (i: number) => pad.side + (i * (W - 2 * pad.side)) / (axes.length - 1);
  const y = (p: number) => pad.top + (1 - p) * (H - pad.top - pad.bottom);
  const label = (a: (typeof axes)[number], v: number) => (a.numeric ? fmtNumber(v, 3) : a.categories[v] ?? '');
  return (
    <div class="scroll-x">
      <svg width={W} height={H} data-testid="pcoords" role="img" aria-label="parallel coordinates">
        {axes.map((a, i) => (
          <g key={a.key}>
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="#94a3b8" />
            <text x={x(i)} y={H - 12} text-anchor="middle" font-size="12" fill="#334155">
              {a.kind === 'metric' ? a.key.slice(7) : a.key}
            </text>
            <text x={x(i) + 4} y={y(1) - 4} font-size="10" fill="#64748b">
              {label(a, a.max)}
            </text>
            <text x={x(i) + 4} y={y(0) + 12} font-size="10" fill="#64748b">
              {label(a, a.min)}
            </text>
          </g>
        ))}
        {runs.map((r, ri) => {
          const pts = axes.map((a, i) => {
            const p = position(a, rows[ri][a.key]);
            return p === null ? null : `${x(i)},${y(p)}`;
          });
          const d = pts.filter(Boolean).join(' ');
          return (
            <polyline key={r.id} data-testid="pcoords-line" points={d} fill="none" stroke={colour(ri)} stroke-width="2" opacity="0.8">
              <title>{r.name}</title>
            </polyline>
          );
        })}
      </svg>
    </div>
  );
}
