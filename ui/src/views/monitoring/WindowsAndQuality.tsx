// The monitoring windows of the range (choose one for the drift report) and
// the data quality findings of the report (unseen categories, missing or
// unexpected columns, columns that could not be tested).
import { Empty } from '../../components/common';
import { fmtPercent, fmtTime } from '../../lib/format';
import { setQuery } from '../../lib/router';
import { DriftBadge } from './DriftReportSection';
import type { DriftReport, DriftSeries, MonitorWindow } from './types';

const maxRows = 200;

export function WindowsTable({ windows, series, chosen }: { windows: MonitorWindow[]; series?: DriftSeries; chosen: string | null }) {
  const sorted = [...windows].sort((a, b) => b.start - a.start || a.version - b.version);
  const drift = new Map<number, { share: number; drift: boolean }>();
  for (const w of series?.windows ?? []) drift.set(w.start, { share: w.share_of_drifted_columns, drift: w.dataset_drift });
  const shown = sorted.slice(0, maxRows);
  return (
    <>
      <div class="scroll-x">
        <table class="data" data-testid="windows-table">
          <thead>
            <tr>
              <th>start</th>
              <th>end</th>
              <th>model version</th>
              <th class="num">rows</th>
              <th>drift</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {shown.map((w) => {
              const d = series && w.version === series.version && w.model === series.model ? drift.get(w.start) : undefined;
              const isChosen = chosen === `${w.start}/${w.version}@${w.model}`;
              return (
                <tr key={`${w.start}-${w.model}-${w.version}`} class={isChosen ? 'selected' : ''}>
                  <td>{fmtTime(w.start)}</td>
                  <td>{fmtTime(w.end)}</td>
                  <td>
                    <a href={`/models/${encodeURIComponent(w.model)}/versions/${w.version}`}>
                      {w.model} v{w.version}
                    </a>
                  </td>
                  <td class="num">{w.rows}</td>
                  <td>{d ? <><DriftBadge drifted={d.drift} /> {fmtPercent(d.share, 0)} of columns</> : <span class="muted">–</span>}</td>
                  <td>
                    <button
                      data-testid="window-report"
                      disabled={isChosen}
                      onClick={() => setQuery({ wfrom: String(w.start), wto: String(w.end), version: String(w.version), model: w.model })}
                    >
                      {isChosen ? 'in the report' : 'Report'}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {sorted.length > maxRows && <p class="muted">The newest {maxRows} of {sorted.length} windows; narrow the range to see older ones.</p>}
    </>
  );
}

export function QualityFindings({ report }: { report: DriftReport }) {
  const untested = report.columns.filter((c) => !c.tested);
  if (report.findings.length === 0 && untested.length === 0) {
    return (
      <Empty title="No data quality findings">
        <p>
          Every column of the reference arrived, with no unseen categories. For rule-based checks on a batch use{' '}
          <code>ferry check --data batch.csv --suite suite.yaml</code>.
        </p>
      </Empty>
    );
  }
  return (
    <div class="scroll-x">
      <table class="data" data-testid="findings-table">
        <thead>
          <tr>
            <th>column</th>
            <th>finding</th>
            <th class="num">count</th>
            <th>message</th>
          </tr>
        </thead>
        <tbody>
          {report.findings.map((f, i) => (
            <tr key={i}>
              <td>{f.column}</td>
              <td>
                <span class="badge warn">{f.kind}</span>
              </td>
              <td class="num">{f.count}</td>
              <td style={{ whiteSpace: 'normal', minWidth: '240px' }}>{f.message}</td>
            </tr>
          ))}
          {untested.map((c) => (
            <tr key={`u-${c.column}`}>
              <td>{c.column}</td>
              <td>
                <span class="badge">not tested</span>
              </td>
              <td class="num" />
              <td style={{ whiteSpace: 'normal', minWidth: '240px' }}>{c.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
