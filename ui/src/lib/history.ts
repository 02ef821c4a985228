// Metric histories as /api/v1/metrics/history sends them (columnar, thinned
// on the server) turned into chart series.
import { api } from './api';
import { toNumber } from './format';
import type { ChartSeries } from '../components/Chart';

export interface SeriesJson {
  run_id: string;
  key: string;
  total: number;
  downsampled: boolean;
  steps: number[];
  values: (number | string)[];
  timestamps: number[];
}

export function fetchHistories(runIds: string[], keys: string[], maxPoints = 1000, signal?: AbortSignal) {
  return api.post<{ series: SeriesJson[] }>('/api/v1/metrics/history', { run_ids: runIds, keys, max_points: maxPoints }, signal);
}

export type XAxis = 'step' | 'time' | 'relative';

// One chart series per run for `key`; x is the step, the wall time, or the time since the run's first point.
export function toChartSeries(all: SeriesJson[], key: string, label: (runId: string) => string, x: XAxis): ChartSeries[] {
  return all
    .filter((s) => s.key === key)
    .map((s) => {
      const t0 = s.timestamps[0] ?? 0;
      const xs = x === 'step' ? s.steps : x === 'time' ? s.timestamps : s.timestamps.map((t) => (t - t0) / 1000);
      return { label: label(s.run_id), x: xs, y: s.values.map((v) => toNumber(v)) };
    });
}
