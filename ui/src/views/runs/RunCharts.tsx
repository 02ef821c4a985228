// Charts of a run's metric histories (thinned by the server to 1,000 points).
import { useMemo } from 'preact/hooks';
import { fetchHistories, toChartSeries } from '../../lib/history';
import type { Run } from '../../lib/runs';
import { useApi } from '../../lib/useApi';
import { Chart } from '../../components/Chart';
import { ChartControls, chartSettings } from '../../components/ChartControls';
import { Empty, ErrorBox, Loading } from '../../components/common';

export function RunCharts({ run, query }: { run: Run; query: URLSearchParams }) {
  const keys = Object.keys(run.metrics).sort().slice(0, 50);
  const hist = useApi((s) => fetchHistories([run.id], keys, 1000, s), [run.id, keys.join(',')], { skip: keys.length === 0 });
  const s = chartSettings(query);
  const charts = useMemo(
    () => keys.map((k) => ({ key: k, series: hist.data ? toChartSeries(hist.data.series, k, () => run.name, s.x) : [], info: hist.data?.series.find((x) => x.key === k) })),
    [hist.data, s.x],
  );
  if (!keys.length) return <Empty title="This run has no metrics" />;
  return (
    <div>
      <ChartControls query={query} />
      <ErrorBox error={hist.error} />
      {hist.loading && !hist.data && <Loading what="histories" />}
      <div class="charts">
        {charts.map((c) => (
          <div class="chart-card" key={c.key}>
            <Chart title={c.key} series={c.series} xTime={s.x === 'time'} logY={s.log} smoothing={s.smooth} testid="metric-chart" xLabel={s.x} />
            {c.info?.downsampled && <div class="muted">{c.info.steps.length.toLocaleString()} of {c.info.total.toLocaleString()} points shown (min/max per slice)</div>}
          </div>
        ))}
      </div>
    </div>
  );
}
