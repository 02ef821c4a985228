// A feature's reference and current histograms overlaid as paired
// horizontal bars (one row per bin), drawn in SVG at the box's real width.
import type { DriftColumn } from './types';
import { barsMax, histogramBars } from './shape';
import { useWidth } from './useWidth';
import { fmtPercent } from '../../lib/format';
import { Empty } from '../../components/common';

const refColour = '#2563eb';
const curColour = '#dc2626';

export function HistogramView({ column }: { column: DriftColumn }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  if (!column.histogram) {
    return (
      <Empty title={`No histogram for ${column.column}`}>
        <p>{column.reason ?? 'The report has no bins for this column (it was not tested).'}</p>
      </Empty>
    );
  }
  const bars = histogramBars(column.histogram);
  const max = barsMax(bars) || 1;
  // Narrow boxes put each bin's label above its bars.
  const stacked = width < 480;
  const labelW = stacked ? 0 : Math.min(170, Math.round(width * 0.38));
  const valueW = 52;
  const plotW = Math.max(40, width - labelW - valueW - 8);
  const rowH = stacked ? 38 : 24;
  const top = stacked ? 14 : 0;
  const maxChars = stacked ? 60 : Math.max(6, Math.floor((labelW - 8) / 6.2));
  const height = bars.length * rowH + 8;
  return (
    <div ref={ref} data-testid="histogram" data-feature={column.column}>
      <div class="mon-legend">
        <span>
          <i style={{ background: refColour }} />
          reference ({column.reference_count ?? '?'} rows)
        </span>
        <span>
          <i style={{ background: curColour }} />
          current ({column.current_count ?? '?'} rows)
        </span>
        <span>share of rows per bin</span>
      </div>
      <svg class="mon-svg" width={width} height={height} role="img" aria-label={`histograms of ${column.column}`}>
        <line class="axis" x1={labelW} x2={labelW} y1={0} y2={height} />
        {bars.map((b, i) => {
          const y = i * rowH + 4 + top;
          const wr = (b.reference / max) * plotW;
          const wc = (b.current / max) * plotW;
          return (
            <g key={i} data-bin={b.label}>
              <title>{`${b.label}: reference ${fmtPercent(b.reference)}, current ${fmtPercent(b.current)}`}</title>
              <text x={stacked ? 2 : labelW - 6} y={stacked ? y - 3 : y + 13} text-anchor={stacked ? 'start' : 'end'}>
                {b.label.length > maxChars ? b.label.slice(0, maxChars - 1) + '…' : b.label}
              </text>
              <rect class="bar-ref" x={labelW} y={y + 1} width={Math.max(wr, b.reference > 0 ? 1 : 0)} height={9} fill={refColour} opacity={0.8} />
              <rect class="bar-cur" x={labelW} y={y + 11} width={Math.max(wc, b.current > 0 ? 1 : 0)} height={9} fill={curColour} opacity={0.8} />
              <text x={labelW + Math.max(wr, wc) + 4} y={y + 14}>
                {fmtPercent(Math.max(b.reference, b.current), 0)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
