// Response shaping for the monitoring page: drift series into chart series,
// the report table's sort, histogram bins into bars, reliability points,
// performance metrics per window.
import type { ChartSeries } from '../../components/Chart';
import type { DriftColumn, DriftSeries, Histogram, Performance, PerfMetrics, ReliabilityBin } from './types';

// Every feature any window tested, sorted by name.
export function seriesFeatures(s: DriftSeries): string[] {
  const names = new Set<string>();
  for (const w of s.windows) for (const c of Object.keys(w.columns)) names.add(c);
  return [...names].sort();
}

// A window's value as a step: held from its start to just before its end,
// so one window is a segment (not a lone point) and windows read as steps.
export function pushStep(x: number[], y: (number | null)[], w: { start: number; end: number }, v: number | null): void {
  x.push(w.start);
  y.push(v);
  if (w.end - 1 > w.start) {
    x.push(w.end - 1);
    y.push(v);
  }
}

// One chart series per feature, a step per window (x in ms), y = the test's score.
export function driftScoreSeries(s: DriftSeries, features?: string[]): ChartSeries[] {
  const names = features ?? seriesFeatures(s);
  const windows = [...s.windows].sort((a, b) => a.start - b.start);
  return names.map((name) => {
    const x: number[] = [];
    const y: (number | null)[] = [];
    for (const w of windows) {
      const c = w.columns[name];
      if (!c) continue;
      pushStep(x, y, w, typeof c.score === 'number' && Number.isFinite(c.score) ? c.score : null);
    }
    return { label: name, x, y };
  });
}

// The share of drifted columns per window (the dataset rule's input).
export function driftShareSeries(s: DriftSeries): ChartSeries[] {
  const windows = [...s.windows].sort((a, b) => a.start - b.start);
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (const w of windows) pushStep(x, y, w, w.share_of_drifted_columns);
  return [{ label: 'share of drifted columns', x, y }];
}

// A constant line at `value` over the x values the other series span.
export function constantSeries(label: string, value: number, series: ChartSeries[]): ChartSeries {
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  return { label, x: xs, y: xs.map(() => value) };
}

// The threshold every tested column shares, or null when they differ (or none is tested).
export function commonThreshold(columns: DriftColumn[]): number | null {
  const ts = new Set(columns.filter((c) => c.tested && typeof c.threshold === 'number').map((c) => c.threshold as number));
  return ts.size === 1 ? [...ts][0] : null;
}

export function driftedFeatures(columns: DriftColumn[]): string[] {
  return columns.filter((c) => c.tested && c.drifted).map((c) => c.column);
}

export type SortKey = 'column' | 'kind' | 'test' | 'score' | 'statistic' | 'p_value' | 'threshold' | 'drifted';
export const sortKeys: SortKey[] = ['column', 'kind', 'test', 'score', 'statistic', 'p_value', 'threshold', 'drifted'];

function sortValue(c: DriftColumn, key: SortKey): string | number | null {
  const v = c[key];
  if (key === 'drifted') return c.tested ? (v ? 1 : 0) : null;
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  return String(v);
}

// Sorted copy; missing values (untested columns, null p-values) last in both directions.
export function sortColumns(columns: DriftColumn[], key: SortKey, dir: 'asc' | 'desc'): DriftColumn[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...columns].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null && vb === null) return a.column.localeCompare(b.column);
    if (va === null) return 1;
    if (vb === null) return -1;
    const d = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return d !== 0 ? sign * d : a.column.localeCompare(b.column);
  });
}

export interface Bar {
  label: string;
  reference: number;
  current: number;
}

// Histogram bins as bars: labels from the server, else from the edges;
// empty bins at both ends are dropped; more than `cap` bins keep the
// largest and sum the rest into one "other" bar.
export function histogramBars(h: Histogram, cap = 40): Bar[] {
  const n = Math.max(h.reference.length, h.current.length);
  const label = (i: number) => {
    if (h.labels && h.labels[i] !== undefined) return h.labels[i];
    if (h.edges && h.edges.length === n + 1) return `[${fmtEdge(h.edges[i])}, ${fmtEdge(h.edges[i + 1])})`;
    return String(i);
  };
  let bars: Bar[] = [];
  for (let i = 0; i < n; i++) bars.push({ label: label(i), reference: h.reference[i] ?? 0, current: h.current[i] ?? 0 });
  let lo = 0;
  let hi = bars.length;
  while (lo < hi && bars[lo].reference === 0 && bars[lo].current === 0) lo++;
  while (hi > lo && bars[hi - 1].reference === 0 && bars[hi - 1].current === 0) hi--;
  bars = bars.slice(lo, hi);
  if (bars.length > cap) {
    const keep = new Set(
      [...bars.keys()].sort((a, b) => Math.max(bars[b].reference, bars[b].current) - Math.max(bars[a].reference, bars[a].current)).slice(0, cap - 1),
    );
    const rest = bars.filter((_, i) => !keep.has(i));
    bars = bars.filter((_, i) => keep.has(i));
    bars.push({
      label: `other (${rest.length})`,
      reference: rest.reduce((s, b) => s + b.reference, 0),
      current: rest.reduce((s, b) => s + b.current, 0),
    });
  }
  return bars;
}

function fmtEdge(v: number): string {
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

export function barsMax(bars: Bar[]): number {
  return bars.reduce((m, b) => Math.max(m, b.reference, b.current), 0);
}

export interface ReliabilityPoint {
  x: number; // mean predicted probability
  y: number; // observed fraction of positives
  count: number;
}

// Bins with predictions in them, in order of the predicted probability.
export function reliabilityPoints(bins: ReliabilityBin[]): ReliabilityPoint[] {
  return bins
    .filter((b) => b.count > 0 && Number.isFinite(b.mean_predicted) && Number.isFinite(b.fraction_positive))
    .map((b) => ({ x: b.mean_predicted, y: b.fraction_positive, count: b.count }))
    .sort((a, b) => a.x - b.x);
}

// Performance metrics in two charts: scores in [0, 1] and errors/losses.
export const scoreMetrics = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'r2'];
export const errorMetrics = ['log_loss', 'ece', 'mae', 'rmse', 'mean_error'];

export function metricValue(m: PerfMetrics, name: string): number | null {
  const v = m[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

// The metrics (of `names`) that any version reports a value for.
export function presentMetrics(perf: Performance, names: string[]): string[] {
  return names.filter((n) =>
    perf.versions.some((v) => metricValue(v.metrics, n) !== null || v.windows.some((w) => metricValue(w.metrics, n) !== null)),
  );
}

// One series per version and metric: a step per window, y = the metric in that window.
export function performanceSeries(perf: Performance, names: string[]): ChartSeries[] {
  const many = perf.versions.length > 1;
  const out: ChartSeries[] = [];
  for (const v of perf.versions) {
    const windows = [...v.windows].sort((a, b) => a.start - b.start);
    for (const n of names) {
      const x: number[] = [];
      const y: (number | null)[] = [];
      for (const w of windows) {
        const val = metricValue(w.metrics, n);
        if (val === null) continue;
        pushStep(x, y, w, val);
      }
      if (x.length) out.push({ label: many ? `v${v.version} ${n}` : n, x, y });
    }
  }
  return out;
}
