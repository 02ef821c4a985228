// The reliability (calibration) curve: mean predicted probability against
// the observed share of positives per bin, with the diagonal of a perfectly
// calibrated model; a point's area follows its bin's count.
import { colour } from '../../lib/series';
import { fmtNumber, fmtPercent } from '../../lib/format';
import { reliabilityPoints } from './shape';
import type { ReliabilityBin } from './types';
import { useWidth } from './useWidth';

export interface Curve {
  label: string;
  bins: ReliabilityBin[];
}

export function Calibration({ curves }: { curves: Curve[] }) {
  const [ref, width] = useWidth<HTMLDivElement>(360);
  const size = Math.max(200, Math.min(width, 380));
  const pad = 36;
  const inner = size - pad - 12;
  const sx = (v: number) => pad + v * inner;
  const sy = (v: number) => 12 + (1 - v) * inner;
  const shaped = curves.map((c) => ({ label: c.label, points: reliabilityPoints(c.bins) }));
  const maxCount = Math.max(1, ...shaped.flatMap((c) => c.points.map((p) => p.count)));
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div ref={ref} data-testid="calibration">
      <div class="mon-legend">
        {shaped.map((c, i) => (
          <span key={c.label}>
            <i style={{ background: colour(i) }} />
            {c.label}
          </span>
        ))}
        <span>dashed: perfectly calibrated</span>
      </div>
      <svg class="mon-svg" width={size} height={size + 18} role="img" aria-label="reliability curve">
        {ticks.map((t) => (
          <g key={t}>
            <line class="grid" x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} />
            <line class="grid" x1={sx(t)} x2={sx(t)} y1={sy(0)} y2={sy(1)} />
            <text x={pad - 4} y={sy(t) + 4} text-anchor="end">
              {t}
            </text>
            <text x={sx(t)} y={sy(0) + 14} text-anchor="middle">
              {t}
            </text>
          </g>
        ))}
        <line class="axis" x1={sx(0)} x2={sx(1)} y1={sy(0)} y2={sy(0)} />
        <line class="axis" x1={sx(0)} x2={sx(0)} y1={sy(0)} y2={sy(1)} />
        <line class="diag" x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} />
        <text x={sx(0.5)} y={size + 14} text-anchor="middle">
          mean predicted probability
        </text>
        <text x={10} y={sy(0.5)} text-anchor="middle" transform={`rotate(-90 10 ${sy(0.5)})`}>
          observed positives
        </text>
        {shaped.map((c, i) => (
          <g key={c.label} class="curve">
            <polyline
              points={c.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}
              fill="none"
              stroke={colour(i)}
              stroke-width={2}
            />
            {c.points.map((p, j) => (
              <circle key={j} cx={sx(p.x)} cy={sy(p.y)} r={2.5 + 5 * Math.sqrt(p.count / maxCount)} fill={colour(i)} fill-opacity={0.6}>
                <title>{`predicted ${fmtNumber(p.x, 3)}, observed ${fmtPercent(p.y)} (${p.count} predictions)`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
    </div>
  );
}
