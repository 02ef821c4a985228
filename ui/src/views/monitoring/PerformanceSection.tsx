// Performance once labels arrive: per model version the overall metrics,
// metrics per window over time, the reliability curve and the confusion matrix.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Empty } from '../../components/common';
import { fmtNumber } from '../../lib/format';
import { Calibration } from './Calibration';
import { errorMetrics, metricValue, performanceSeries, presentMetrics, scoreMetrics } from './shape';
import type { Performance, VersionPerformance } from './types';

function Confusion({ v }: { v: VersionPerformance }) {
  const m = v.metrics;
  if (!m.confusion?.length || !m.classes?.length) return null;
  return (
    <div class="scroll-x">
      <table class="data confusion" data-testid={`confusion-v${v.version}`}>
        <thead>
          <tr>
            <th>label ↓ / predicted →</th>
            {m.classes.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {m.confusion.map((row, i) => (
            <tr key={i}>
              <th>{m.classes[i]}</th>
              {row.map((n, j) => (
                <td key={j} class="num" style={i === j ? { fontWeight: 600 } : undefined}>
                  {n}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VersionCards({ v }: { v: VersionPerformance }) {
  const names = [...scoreMetrics, ...errorMetrics].filter((n) => metricValue(v.metrics, n) !== null);
  return (
    <div class="mon-cards" data-testid={`perf-cards-v${v.version}`}>
      <div class="mon-card">
        <div class="v">
          <a href={`/models/${encodeURIComponent(v.model)}/versions/${v.version}`}>v{v.version}</a>
        </div>
        <div class="k">
          {v.model} {v.roles.join(', ')}
        </div>
      </div>
      <div class="mon-card">
        <div class="v">{v.metrics.rows}</div>
        <div class="k">labelled rows ({v.metrics.task})</div>
      </div>
      {names.map((n) => (
        <div class="mon-card" key={n} data-metric={n}>
          <div class="v">{fmtNumber(metricValue(v.metrics, n), 3)}</div>
          <div class="k">{n}</div>
        </div>
      ))}
      {v.label_delay?.count > 0 && (
        <div class="mon-card">
          <div class="v">{fmtNumber(v.label_delay.p50_s ?? null, 3)} s</div>
          <div class="k">label delay p50 (p90 {fmtNumber(v.label_delay.p90_s ?? null, 3)} s)</div>
        </div>
      )}
    </div>
  );
}

export function PerformanceSection({ perf, name }: { perf: Performance; name: string }) {
  const scores = useMemo(() => performanceSeries(perf, presentMetrics(perf, scoreMetrics)), [perf]);
  const errors = useMemo(() => performanceSeries(perf, presentMetrics(perf, errorMetrics)), [perf]);
  const labelled = perf.versions.filter((v) => v.metrics.rows > 0);
  const curves = labelled
    .filter((v) => v.metrics.reliability?.some((b) => b.count > 0))
    .map((v) => ({ label: `${v.model} v${v.version}`, bins: v.metrics.reliability }));
  if (labelled.length === 0) {
    return (
      <Empty title="No labelled predictions in this range">
        <p>Send the outcomes of predictions (the Ferry-Prediction-Id header of each answer) as labels:</p>
        <pre>{`curl -X POST /api/v1/deployments/${name}/labels \\
  -d '{"labels": [{"prediction_id": "…", "label": 1}]}'
# or, in Python: client.log_labels("${name}", {prediction_id: 1})`}</pre>
        {perf.unmatched_labels > 0 && <p>{perf.unmatched_labels} labels match no prediction yet (not ingested, or unknown ids).</p>}
      </Empty>
    );
  }
  return (
    <>
      {labelled.map((v) => (
        <VersionCards key={v.version} v={v} />
      ))}
      {perf.unmatched_labels > 0 && <p class="muted">{perf.unmatched_labels} labels in this range match no prediction.</p>}
      <div class="grid2">
        <div>
          <h3 class="muted" style={{ fontSize: '13px', margin: '4px 0' }}>
            Scores per window
          </h3>
          {scores.length ? <Chart series={scores} xTime height={220} testid="perf-chart" /> : <p class="muted">No score metrics.</p>}
        </div>
        <div>
          <h3 class="muted" style={{ fontSize: '13px', margin: '4px 0' }}>
            Losses and errors per window
          </h3>
          {errors.length ? <Chart series={errors} xTime height={220} testid="perf-error-chart" /> : <p class="muted">No error metrics.</p>}
        </div>
      </div>
      <div class="grid2" style={{ marginTop: '12px' }}>
        <div>
          <h3 class="muted" style={{ fontSize: '13px', margin: '4px 0' }}>
            Calibration (reliability curve)
          </h3>
          {curves.length ? <Calibration curves={curves} /> : <p class="muted">No probabilities to calibrate (the outputs are classes or values).</p>}
        </div>
        <div>
          <h3 class="muted" style={{ fontSize: '13px', margin: '4px 0' }}>
            Confusion matrix
          </h3>
          {labelled.map((v) => (
            <div key={v.version}>
              {labelled.length > 1 && <p class="muted">version {v.version}</p>}
              <Confusion v={v} />
              {v.metrics.notes?.length > 0 && <p class="muted">{v.metrics.notes.join('; ')}</p>}
            </div>
          ))}
        </div>
      </div>
    </>
  );
}
