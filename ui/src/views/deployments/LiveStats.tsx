// Live request rate, non-OK share and latency percentiles per model version,
// from GET /api/v1/deployments/{name}/stats polled every 2 s (deltas between
// polls; see stats.ts), plus the totals since the server started.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { fmtNumber, fmtPercent } from '../../lib/format';
import { Chart, type ChartSeries } from '../../components/Chart';
import { ErrorBox, Section } from '../../components/common';
import { apiDeployment } from './deploymentData';
import { appendPoints, histogramQuantile, pointsBetween, requestCounts, versionKey, type Point, type StatsJson } from './stats';
import { versionPath } from '../registry/registryData';

const POLL_MS = 2000;
const KEEP = 150; // points per version: 5 minutes

const ms = (s: number | null) => (s === null ? null : s * 1000);
const fmtMs = (s: number | null) => (s === null ? '—' : `${fmtNumber(s * 1000, 3)} ms`);

export function LiveStats({ name }: { name: string }) {
  const [latest, setLatest] = useState<StatsJson | undefined>();
  const [history, setHistory] = useState<Map<string, Point[]>>(new Map());
  const [error, setError] = useState<Error | undefined>();
  const last = useRef<StatsJson | undefined>();

  useEffect(() => {
    let timer: number | undefined;
    const ctl = new AbortController();
    last.current = undefined;
    setHistory(new Map());
    const poll = async () => {
      try {
        const now = await api.get<StatsJson>(`${apiDeployment(name)}/stats`, undefined, ctl.signal);
        if (last.current && now.time > last.current.time) {
          const points = pointsBetween(last.current, now);
          const since = last.current.time;
          setHistory((h) => appendPoints(h, points, KEEP, since));
        }
        last.current = now;
        setLatest(now);
        setError(undefined);
      } catch (e) {
        if ((e as Error).name === 'AbortError') return;
        setError(e as Error);
      }
      if (!ctl.signal.aborted) timer = window.setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      ctl.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [name]);

  const charts = useMemo(() => {
    const rps: ChartSeries[] = [];
    const latency: ChartSeries[] = [];
    const errors: ChartSeries[] = [];
    let latencyPoints = 0;
    for (const [key, points] of history) {
      const x = points.map((p) => p.time);
      rps.push({ label: key, x, y: points.map((p) => p.rps) });
      errors.push({ label: key, x, y: points.map((p) => (p.errorRate === null ? null : p.errorRate * 100)) });
      for (const q of ['p50', 'p90', 'p99'] as const) {
        const y = points.map((p) => ms(p[q]));
        latencyPoints += y.filter((v) => v !== null).length;
        latency.push({ label: `${key} ${q}`, x, y });
      }
    }
    return { rps, latency, errors, latencyPoints };
  }, [history]);

  const versions = latest?.versions ?? [];
  return (
    <Section title="Live traffic" testid="live-stats">
      <ErrorBox error={error} title="Could not read the deployment's serving statistics" />
      <p class="muted">Every {POLL_MS / 1000} s from <code>{apiDeployment(name)}/stats</code>; rates and percentiles over each interval.</p>
      {history.size === 0 ? (error && !latest ? null : (
        <p class="muted" data-testid="live-waiting">
          {versions.length === 0 ? 'No requests since the server started. Send some to ' : 'Waiting for the next sample… Requests go to '}
          <code>POST /v2/models/{name}/infer</code> or <code>{apiDeployment(name)}/invocations</code>.
        </p>
      )) : (
        <div class="live-grid" data-latency-points={charts.latencyPoints} data-testid="live-charts">
          <div class="chart-box"><h3>Requests per second</h3><Chart series={charts.rps} xTime height={180} testid="chart-rps" /></div>
          <div class="chart-box"><h3>Latency (ms): p50 / p90 / p99</h3><Chart series={charts.latency} xTime height={180} testid="chart-latency" /></div>
          <div class="chart-box"><h3>Non-OK answers (%)</h3><Chart series={charts.errors} xTime height={180} testid="chart-errors" /></div>
        </div>
      )}
      {versions.length > 0 && (
        <div class="scroll-x" style="margin-top:12px">
          <h3 style="font-size:13px;margin:0 0 4px" class="muted">Since the server started</h3>
          <table class="data" data-testid="stats-table">
            <thead>
              <tr><th>Version</th><th>Arms</th><th class="num">Requests</th><th class="num">Non-OK</th><th class="num">p50</th><th class="num">p90</th><th class="num">p99</th><th class="num">Mean</th></tr>
            </thead>
            <tbody>
              {versions.map((v) => {
                const c = requestCounts(v);
                const h = v.latency_seconds;
                return (
                  <tr key={versionKey(v)} data-testid="stats-row" data-version={v.version}>
                    <td><a href={versionPath(v.model, v.version)}>{versionKey(v)}</a></td>
                    <td>{Object.entries(c.byRole).map(([r, n]) => `${r} ${fmtNumber(n)}`).join(', ')}</td>
                    <td class="num">{fmtNumber(c.total)}</td>
                    <td class="num">{c.errors} {c.total > 0 && <span class="muted">({fmtPercent(c.errors / c.total)})</span>}</td>
                    <td class="num">{fmtMs(histogramQuantile(0.5, h))}</td>
                    <td class="num">{fmtMs(histogramQuantile(0.9, h))}</td>
                    <td class="num">{fmtMs(histogramQuantile(0.99, h))}</td>
                    <td class="num">{h.count > 0 ? fmtMs(h.sum / h.count) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
