// Drift over time: per feature, the drift test's score in each window (one
// line per feature, the threshold when all columns share one), or the
// share of drifted columns against the dataset rule (?metric=share).
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Empty, Tabs } from '../../components/common';
import { setQuery } from '../../lib/router';
import { constantSeries, driftScoreSeries, driftShareSeries } from './shape';
import type { DriftSeries } from './types';

export function DriftChartSection({
  series,
  threshold,
  driftShare,
  metric,
}: {
  series: DriftSeries;
  threshold: number | null;
  driftShare: number | null;
  metric: string;
}) {
  const share = metric === 'share';
  const chartSeries = useMemo(() => {
    const s = share ? driftShareSeries(series) : driftScoreSeries(series);
    const line = share ? driftShare : threshold;
    if (line !== null && s.some((x) => x.x.length > 0)) s.push(constantSeries(`${share ? 'drift share rule' : 'threshold'} (${line})`, line, s));
    return s;
  }, [series, threshold, driftShare, share]);
  const tests = useMemo(() => {
    const t = new Set<string>();
    for (const w of series.windows) for (const c of Object.values(w.columns)) t.add(c.test);
    return [...t].sort();
  }, [series]);
  return (
    <>
      <Tabs
        tabs={[
          ['score', 'Score per feature'],
          ['share', 'Share of drifted columns'],
        ]}
        active={share ? 'share' : 'score'}
        onSelect={(id) => setQuery({ metric: id === 'score' ? null : id })}
      />
      {series.windows.length === 0 ? (
        <Empty title="No windows in this range">
          <p>Pick a longer range, or serve traffic: the server profiles the payload log into windows.</p>
        </Empty>
      ) : (
        <>
          <p class="muted">
            {series.windows.length} window{series.windows.length === 1 ? '' : 's'} of model {series.model} version {series.version}
            {share ? '' : `; tests: ${tests.join(', ')} (distance tests drift at or above the threshold, p-value tests below it)`}.
          </p>
          <Chart series={chartSeries} xTime height={280} testid="drift-chart" />
        </>
      )}
    </>
  );
}
