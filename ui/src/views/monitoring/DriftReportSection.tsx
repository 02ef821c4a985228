// The drift report of the range (or one chosen window): the dataset rule,
// a sortable per-column table with drifted rows highlighted, and the chosen
// feature's reference vs current histograms (?feature=).
import { setQuery } from '../../lib/router';
import { fmtNumber, fmtPercent, fmtTime } from '../../lib/format';
import { Empty } from '../../components/common';
import { HistogramView } from './Histogram';
import { sortColumns, sortKeys, type SortKey } from './shape';
import type { DriftReport } from './types';

const headers: [SortKey, string, boolean][] = [
  ['column', 'feature', false],
  ['kind', 'kind', false],
  ['test', 'test', false],
  ['score', 'score', true],
  ['statistic', 'statistic', true],
  ['p_value', 'p-value', true],
  ['threshold', 'threshold', true],
  ['drifted', 'drifted', false],
];

export function DriftBadge({ drifted }: { drifted: boolean }) {
  return <span class={`badge ${drifted ? 'bad' : 'ok'}`}>{drifted ? 'drifted' : 'no drift'}</span>;
}

export function DriftSummary({ report }: { report: DriftReport }) {
  return (
    <div class="mon-cards" data-testid="drift-summary">
      <div class={`mon-card ${report.dataset_drift ? 'bad' : 'ok'}`}>
        <div class="v">{report.dataset_drift ? 'drift' : 'no drift'}</div>
        <div class="k">dataset (share ≥ {fmtPercent(report.drift_share, 0)})</div>
      </div>
      <div class="mon-card">
        <div class="v">
          {report.drifted_columns} / {report.tested_columns}
        </div>
        <div class="k">drifted columns ({fmtPercent(report.share_of_drifted_columns, 0)})</div>
      </div>
      <div class="mon-card">
        <div class="v">{report.current_rows}</div>
        <div class="k">current rows</div>
      </div>
      <div class="mon-card">
        <div class="v">{report.reference_rows}</div>
        <div class="k">reference rows</div>
      </div>
    </div>
  );
}

export function DriftReportSection({ report, query, windowChosen }: { report: DriftReport; query: URLSearchParams; windowChosen: boolean }) {
  const key = (sortKeys as string[]).includes(query.get('sort') ?? '') ? (query.get('sort') as SortKey) : 'score';
  const dir = query.get('dir') === 'asc' ? 'asc' : query.get('dir') === 'desc' ? 'desc' : key === 'column' ? 'asc' : 'desc';
  const rows = sortColumns(report.columns, key, dir);
  const feature = query.get('feature');
  const chosen = report.columns.find((c) => c.column === feature);
  const sortBy = (k: SortKey) => setQuery({ sort: k, dir: k === key ? (dir === 'asc' ? 'desc' : 'asc') : k === 'column' ? 'asc' : 'desc' });
  return (
    <>
      <p class="muted">
        {windowChosen ? 'One window: ' : 'Range: '}
        {fmtTime(report.from)} → {fmtTime(report.to)}, model {report.model} version {report.version}.
        {windowChosen && (
          <>
            {' '}
            <a href="#" data-testid="clear-window" onClick={(e) => (e.preventDefault(), setQuery({ wfrom: null, wto: null }))}>
              Whole range
            </a>
          </>
        )}
      </p>
      <DriftSummary report={report} />
      {report.columns.length === 0 ? (
        <Empty title="No columns in the report">
          <p>The reference and the served data share no columns.</p>
        </Empty>
      ) : (
        <div class="scroll-x">
          <table class="data" data-testid="drift-table">
            <thead>
              <tr>
                {headers.map(([k, label, num]) => (
                  <th key={k} class={num ? 'num' : ''} aria-sort={k === key ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    <button class="sort" data-testid={`sort-${k}`} onClick={() => sortBy(k)}>
                      {label}
                      {k === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
                    </button>
                  </th>
                ))}
                <th class="num">ref / cur rows</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr
                  key={c.column}
                  data-feature={c.column}
                  data-drifted={c.drifted ? 'true' : 'false'}
                  class={`clickable ${c.drifted ? 'drifted' : ''} ${c.column === feature ? 'selected' : ''}`}
                  onClick={() => setQuery({ feature: c.column === feature ? null : c.column })}
                >
                  <td>
                    <a href="#" onClick={(e) => e.preventDefault()}>
                      {c.column}
                    </a>
                  </td>
                  <td>{c.kind}</td>
                  <td>{c.test ?? ''}</td>
                  <td class="num">{fmtNumber(c.score ?? null)}</td>
                  <td class="num">{fmtNumber(c.statistic ?? null)}</td>
                  <td class="num">{c.p_value === null || c.p_value === undefined ? '–' : fmtNumber(c.p_value)}</td>
                  <td class="num">{fmtNumber(c.threshold ?? null)}</td>
                  <td>{c.tested ? <DriftBadge drifted={!!c.drifted} /> : <span class="muted">not tested: {c.reason}</span>}</td>
                  <td class="num">
                    {c.reference_count ?? ''} / {c.current_count ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div style={{ marginTop: '12px' }} data-testid="feature-panel">
        {chosen ? (
          <>
            <h3 style={{ margin: '4px 0', fontSize: '14px' }}>
              {chosen.column}: reference vs current{' '}
              {chosen.tested && <DriftBadge drifted={!!chosen.drifted} />}
            </h3>
            <HistogramView column={chosen} />
          </>
        ) : (
          <p class="muted">
            {feature ? `The report has no column '${feature}'. ` : ''}Click a feature to compare its reference and current
            histograms.
          </p>
        )}
      </div>
    </>
  );
}
