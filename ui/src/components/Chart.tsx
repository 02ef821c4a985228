// A uPlot line chart. Each series has its own x values; they are aligned on
// one axis. The wrapper carries data-drawn="true" once uPlot has drawn a
// non-empty chart (tests and the benchmark wait on it).
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { align, colour, forLogScale, smooth, type XY } from '../lib/series';

export interface ChartSeries extends XY {
  label: string;
}

export interface ChartProps {
  title?: string;
  series: ChartSeries[];
  xLabel?: string;
  xTime?: boolean; // x values are milliseconds since the epoch
  logY?: boolean;
  smoothing?: number;
  height?: number;
  testid?: string;
  bars?: boolean;
}

export function Chart({ title, series, xLabel, xTime, logY, smoothing = 0, height = 240, testid, bars }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.dataset.drawn = 'false';
    const points = series.reduce((n, s) => n + s.x.length, 0);
    if (points === 0) return;
    const prepared = series.map((s) => {
      let y = smoothing > 0 ? smooth(s.y, smoothing) : s.y;
      if (logY) y = forLogScale(y);
      // uPlot's time axis is in seconds.
      return { x: xTime ? s.x.map((v) => v / 1000) : s.x, y };
    });
    const data = align(prepared) as uPlot.AlignedData;
    const width = Math.max(200, el.clientWidth || 600);
    const opts: uPlot.Options = {
      title,
      width,
      height,
      scales: { x: { time: !!xTime }, y: logY ? { distr: 3 } : {} },
      axes: [{ label: xLabel }, {}],
      legend: { live: true },
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: colour(i),
          fill: bars ? colour(i) + '55' : undefined,
          width: 1.5,
          spanGaps: true,
          points: { show: s.x.length < 60 },
          paths: bars ? uPlot.paths.bars!({ size: [0.8, 60] }) : undefined,
        })),
      ],
      hooks: {
        draw: [
          () => {
            el.dataset.drawn = 'true';
          },
        ],
      },
    };
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, xTime, logY, smoothing, height, title, xLabel, bars]);
  return <div class="chart" ref={box} data-testid={testid ?? 'chart'} />;
}
