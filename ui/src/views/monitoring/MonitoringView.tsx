// A deployment's monitoring: drift over time, the drift report with each
// feature's histograms, data quality findings, performance and calibration
// once labels arrive, and the monitoring windows. The range, version,
// chosen window, feature, sort and chart metric live in the URL query.
import { useMemo, useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api, ApiError, withQuery } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { Empty, ErrorBox, Loading, PageHeader, Section } from '../../components/common';
import { parseRange, reportRange } from './range';
import { commonThreshold } from './shape';
import type { DriftReport, DriftSeries, MonitorWindow, Performance } from './types';
import { RangeBar, type ModelVersion } from './RangeBar';
import { DriftChartSection } from './DriftChartSection';
import { DriftReportSection } from './DriftReportSection';
import { PerformanceSection } from './PerformanceSection';
import { QualityFindings, WindowsTable } from './WindowsAndQuality';
import './monitoring.css';

interface DeploymentInfo {
  deployment: { name: string; model: string };
}

// "No monitored data in that range" is an empty state, not a failure.
function NoData({ error, what }: { error: Error | undefined; what: string }) {
  if (error instanceof ApiError && error.status === 404) {
    return (
      <Empty title={`No ${what} in this range`}>
        <p>{error.message}.</p>
        <p>Pick a longer range, or check that the model version has reference data and the deployment serves traffic.</p>
      </Empty>
    );
  }
  return <ErrorBox error={error} title={`Loading the ${what} failed`} />;
}

export function MonitoringView({ params, query }: ViewProps) {
  const name = params.name;
  const base = `/api/v1/deployments/${encodeURIComponent(name)}`;
  const [tick, setTick] = useState(0);
  const last = query.get('last');
  const now = useMemo(() => Date.now(), [last, tick]);
  const range = parseRange(query, now);
  const rr = reportRange(query, range);
  const version = query.get('version') ?? undefined;
  const skip = !!range.error;

  const dep = useApi((s) => api.get<DeploymentInfo>(base, undefined, s), [name]);
  const windows = useApi((s) => api.get<{ windows: MonitorWindow[] }>(`${base}/windows`, { from: range.from, to: range.to }, s), [name, range.from, range.to, tick], { skip });
  // A version needs its model: from the URL, else from the windows.
  const model = query.get('model') ?? (version ? windows.data?.windows.find((w) => String(w.version) === version)?.model : undefined);
  const waiting = skip || (!!version && !model);
  const mv = { model: version ? model : undefined, version };
  const deps = [name, range.from, range.to, model, version, tick];
  const series = useApi((s) => api.get<DriftSeries>(`${base}/drift/series`, { from: range.from, to: range.to, ...mv }, s), deps, { skip: waiting });
  const report = useApi((s) => api.get<DriftReport>(`${base}/drift`, { from: rr.from, to: rr.to, ...mv }, s), [...deps, rr.from, rr.to], { skip: waiting });
  const perf = useApi((s) => api.get<Performance>(`${base}/performance`, { from: range.from, to: range.to, ...mv }, s), deps, { skip: waiting });

  const versions = useMemo(() => {
    const seen = new Map<string, ModelVersion>();
    for (const w of windows.data?.windows ?? []) seen.set(`${w.version}@${w.model}`, { model: w.model, version: w.version });
    return [...seen.values()].sort((a, b) => a.model.localeCompare(b.model) || a.version - b.version);
  }, [windows.data]);
  const rangeError = range.error ? new Error(range.error) : windows.error instanceof ApiError && windows.error.status === 400 ? windows.error : undefined;
  const shownModel = report.data?.model ?? series.data?.model;
  const modelVersion = report.data?.version ?? series.data?.version;
  const refresh = () => setTick((t) => t + 1);
  const noWindows = !!windows.data && windows.data.windows.length === 0 && !windows.error;

  return (
    <div data-testid="monitoring-view">
      <PageHeader
        title={<>Monitoring · {name}</>}
        sub={
          <span class="row">
            <a href={`/deployments/${encodeURIComponent(name)}`} data-testid="deployment-link">
              deployment {name}
            </a>
            {dep.data && <span>serves {dep.data.deployment.model}</span>}
            {dep.error && (
              <span class="muted" data-testid="deployment-error">
                ({dep.error.message})
              </span>
            )}
            {shownModel && modelVersion !== undefined && (
              <a href={`/models/${encodeURIComponent(shownModel)}/versions/${modelVersion}`} data-testid="version-link">
                model {shownModel} version {modelVersion}
              </a>
            )}
            <a href={withQuery(`${base}/drift`, { format: 'html', from: rr.from, to: rr.to, ...mv })} target="_blank" rel="noreferrer">
              HTML report
            </a>
            <span class="muted">{range.label}</span>
          </span>
        }
      />
      <div class="section">
        <RangeBar query={query} versions={versions} onRefresh={refresh} />
      </div>
      {rangeError && <ErrorBox error={rangeError} title="This time range is refused" />}
      {!rangeError && noWindows && (
        <Empty title="No monitoring windows in this range">
          <p>Store the model version's reference data, serve traffic (payload logging is on by default) and ingest it:</p>
          <pre>{`ferry monitor reference <model>@champion --data train.csv
ferry monitor ingest        # or wait: the server reads the payload log every 10 s`}</pre>
          <p>Or pick a longer range above.</p>
        </Empty>
      )}
      {!rangeError && !noWindows && (
        <>
          <Section title="Drift over time" testid="section-drift-series">
            {series.loading && !series.data && <Loading what="the drift series" />}
            {series.error && <NoData error={series.error} what="drift series" />}
            {!series.error && series.data && (
              <DriftChartSection
                series={series.data}
                threshold={report.data ? commonThreshold(report.data.columns) : null}
                driftShare={report.data?.drift_share ?? null}
                metric={query.get('metric') ?? 'score'}
              />
            )}
          </Section>
          <Section title="Drift report" testid="section-drift-report">
            {report.loading && !report.data && <Loading what="the drift report" />}
            {report.error && <NoData error={report.error} what="drift report" />}
            {!report.error && report.data && <DriftReportSection report={report.data} query={query} windowChosen={rr.window} />}
          </Section>
          <Section title="Data quality" testid="section-quality">
            {report.error && <p class="muted">No report, so no findings (see the drift report above).</p>}
            {!report.error && report.data && <QualityFindings report={report.data} />}
          </Section>
        </>
      )}
      {!rangeError && (
        <Section title="Performance" testid="section-performance">
          {perf.loading && !perf.data && <Loading what="performance" />}
          {perf.error && <NoData error={perf.error} what="performance" />}
          {!perf.error && perf.data && <PerformanceSection perf={perf.data} name={name} />}
        </Section>
      )}
      {!rangeError && !noWindows && (
        <Section title="Monitoring windows" testid="section-windows">
          {windows.loading && !windows.data && <Loading what="windows" />}
          <ErrorBox error={windows.error} title="Loading the windows failed" />
          {windows.data && windows.data.windows.length > 0 && (
            <WindowsTable windows={windows.data.windows} series={series.data} chosen={rr.window ? `${query.get('wfrom')}/${version}@${model}` : null} />
          )}
        </Section>
      )}
    </div>
  );
}
