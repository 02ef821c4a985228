// /compare?runs=a,b,c — N runs side by side: overlaid metric charts (full
// histories, thinned by the server), the param diff table, latest metrics
// and a parallel-coordinates plot. ?metrics=k1,k2 picks the charts;
// ?only_diff=1 hides params that are the same everywhere.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { fmtNumber } from '../../lib/format';
import { fetchHistories, toChartSeries } from '../../lib/history';
import { varyingKeys } from '../../lib/pcoords';
import { setQuery } from '../../lib/router';
import { toRun, type Run, type RunJson } from '../../lib/runs';
import { useApi } from '../../lib/useApi';
import { Chart } from '../../components/Chart';
import { ChartControls, chartSettings } from '../../components/ChartControls';
import { Badge, Empty, ErrorBox, Loading, PageHeader, Section } from '../../components/common';
import { ParallelCoordinates } from './ParallelCoordinates';
import './runs.css';

const MAX_CHARTS = 12;

export function CompareView({ query }: ViewProps) {
  const ids = (query.get('runs') ?? '').split(',').map((s) => s.trim()).filter(Boolean).slice(0, 100);
  const chosen = (query.get('metrics') ?? '').split(',').filter(Boolean);
  // The histories are asked for first (before the runs themselves), so the
  // browser's six connections never queue the one request the charts need.
  const [allKeys, setAllKeys] = useState<string[]>([]);
  const keys = chosen.length ? chosen : allKeys.slice(0, MAX_CHARTS);
  const hist = useApi((s) => fetchHistories(ids, keys, 1000, s), [ids.join(','), keys.join(',')], {
    skip: ids.length === 0 || keys.length === 0 || ids.length * keys.length > 200,
  });
  const runs = useApi(
    (s) => Promise.all(ids.map((id) => api.get<{ run: RunJson }>(`/api/v1/runs/${encodeURIComponent(id)}`, undefined, s).then((r) => toRun(r.run)))),
    [ids.join(',')],
    { skip: ids.length === 0 },
  );
  useEffect(() => {
    const k = new Set<string>();
    for (const r of runs.data ?? []) Object.keys(r.metrics).forEach((m) => k.add(m));
    setAllKeys([...k].sort());
  }, [runs.data]);
  const s = chartSettings(query);
  const names = new Map((runs.data ?? []).map((r) => [r.id, r.name]));
  const label = (id: string) => names.get(id) ?? id.slice(0, 8);
  const charts = useMemo(
    () => keys.map((k) => ({ key: k, series: hist.data ? toChartSeries(hist.data.series, k, label, s.x) : [] })),
    [hist.data, s.x, runs.data],
  );

  if (ids.length === 0) {
    return (
      <Empty title="No runs to compare">
        <p>
          Tick runs in an <a href="/experiments">experiment's runs table</a> and press Compare.
        </p>
      </Empty>
    );
  }
  return (
    <div>
      <PageHeader title={`Comparing ${ids.length} runs`} sub={runs.data && runs.data.map((r) => r.name).join(' · ')} />
      <ErrorBox error={runs.error} />
      <Section title="Metric histories" testid="compare-charts">
        <div class="row" style={{ marginBottom: 8 }}>
          <span class="muted">Charts:</span>
          {allKeys.map((k) => (
            <label key={k}>
              <input
                type="checkbox"
                checked={keys.includes(k)}
                onChange={() => setQuery({ metrics: (keys.includes(k) ? keys.filter((x) => x !== k) : [...keys, k]).join(',') || null })}
              />{' '}
              {k}
            </label>
          ))}
        </div>
        <ChartControls query={query} />
        <ErrorBox error={hist.error} />
        {ids.length * keys.length > 200 && <p class="muted">Too many charts at once: choose fewer metrics.</p>}
        {hist.loading && !hist.data && <Loading what="histories" />}
        <div class="charts">
          {charts.map((c) => (
            <div class="chart-card" key={c.key}>
              <Chart title={c.key} series={c.series} xTime={s.x === 'time'} logY={s.log} smoothing={s.smooth} testid="compare-chart" xLabel={s.x} />
            </div>
          ))}
        </div>
      </Section>
      {runs.loading && !runs.data && <Loading what="runs" />}
      {runs.data && <RunTables runs={runs.data} query={query} keys={allKeys} />}
    </div>
  );
}

function RunTables({ runs, query, keys }: { runs: Run[]; query: URLSearchParams; keys: string[] }) {
  const onlyDiff = query.get('only_diff') === '1';
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const varying = varyingKeys(runs.map((r) => r.params));
  const shown = onlyDiff ? varying : paramKeys;
  const pcMetric = query.get('pc_metric') ?? keys[0] ?? '';
  return (
    <>
      <Section title="Parameters" testid="param-diff">
        <label class="muted">
          <input type="checkbox" checked={onlyDiff} onChange={(e) => setQuery({ only_diff: (e.target as HTMLInputElement).checked ? '1' : null })} /> only
          params that differ ({varying.length} of {paramKeys.length})
        </label>
        <div class="scroll-x">
          <table class="data">
            <thead>
              <tr>
                <th>param</th>
                {runs.map((r) => (
                  <th key={r.id}>
                    <a href={`/runs/${r.id}`}>{r.name}</a>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((k) => (
                <tr key={k} class={varying.includes(k) ? 'diff' : ''} data-testid={varying.includes(k) ? 'param-differs' : 'param-same'}>
                  <th>{k}</th>
                  {runs.map((r) => (
                    <td key={r.id} class="mono">
                      {r.params[k] ?? <span class="muted">—</span>}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title="Latest metrics">
        <div class="scroll-x">
          <table class="data" data-testid="metric-table">
            <thead>
              <tr>
                <th>metric</th>
                {runs.map((r) => (
                  <th key={r.id}>
                    {r.name} <Badge value={r.status} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k}>
                  <th>{k}</th>
                  {runs.map((r) => (
                    <td key={r.id} class="num">
                      {fmtNumber(r.metrics[k])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      {keys.length > 0 && (
        <Section title="Parallel coordinates" testid="pcoords-section">
          <label class="muted">
            colour and last axis:{' '}
            <select value={pcMetric} onChange={(e) => setQuery({ pc_metric: (e.target as HTMLSelectElement).value })}>
              {keys.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <ParallelCoordinates runs={runs} params={varying} metric={pcMetric} />
        </Section>
      )}
    </>
  );
}
