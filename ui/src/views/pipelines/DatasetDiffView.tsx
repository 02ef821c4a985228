// The diff of two dataset versions (GET /api/v1/datasets/{name}/diff?a=&b=):
// files added/removed/changed, schema changes, rows, per-column drift.
import { ErrorBox, Loading } from '../../components/common';
import { api } from '../../lib/api';
import { fmtBytes, fmtNumber, fmtPercent } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { driftRows, pctChange, schemaChanges, shortDigest } from './datasets';
import type { ColumnDiff, DatasetDiff, Pair } from './types';

const arrow = <span class="arrow">→</span>;

function pair(p: Pair<number | null> | undefined, fmt: (v: number) => string = (v) => fmtNumber(v)) {
  if (!p) return '';
  const s = (v: number | null) => (v === null || v === undefined ? '–' : fmt(v));
  return (
    <>
      {s(p.a)}
      {arrow}
      {s(p.b)}
    </>
  );
}

function categoryText(c: ColumnDiff): string {
  const cat = c.categories;
  if (!cat) return '';
  const parts: string[] = [];
  if (cat.new_count) parts.push(`new ${(cat.new ?? []).slice(0, 3).map((v) => `'${v}'`).join(', ')}${cat.new_count > 3 ? ` +${cat.new_count - 3}` : ''}`);
  if (cat.vanished_count) parts.push(`gone ${(cat.vanished ?? []).slice(0, 3).map((v) => `'${v}'`).join(', ')}`);
  const top = cat.top_changes[0];
  if (top) parts.push(`'${top.value}' ${fmtPercent(top.a)} → ${fmtPercent(top.b)}`);
  return parts.join('; ');
}

export function DatasetDiffView({ name, from, to }: { name: string; from: number; to: number }) {
  const { data, error, loading } = useApi(
    (s) => api.get<DatasetDiff>(`/api/v1/datasets/${encodeURIComponent(name)}/diff`, { a: from, b: to }, s),
    [name, from, to],
  );
  if (error) return <ErrorBox error={error} title={`Could not compare v${from} and v${to}`} />;
  if (loading && !data) return <Loading what="the diff" />;
  const d = data!;
  const fc = d.file_changes;
  const schema = schemaChanges(d);
  const drift = driftRows(d);
  return (
    <div data-testid="diff" data-from={from} data-to={to}>
      <p>
        <span class="mono">{shortDigest(d.digest?.a)}</span>
        {arrow}
        <span class="mono">{shortDigest(d.digest?.b)}</span> · files {pair(d.files, String)} · size {pair(d.bytes, fmtBytes)} ·{' '}
        <strong data-testid="drift-summary">{d.summary.columns_drifted} columns drifted</strong>, {d.summary.schema_changes} schema changes,{' '}
        {d.summary.tables_compared} tables compared
        {d.summary.tables_added ? `, ${d.summary.tables_added} added` : ''}
        {d.summary.tables_removed ? `, ${d.summary.tables_removed} removed` : ''}
      </p>
      {fc && (
        <>
          <h3>Files</h3>
          <p class="muted">
            {fc.added.length} added, {fc.removed.length} removed, {fc.changed.length} changed, {fc.unchanged} unchanged
          </p>
          {fc.added.length + fc.removed.length + fc.changed.length > 0 && (
            <div class="scroll-x">
              <table class="data" data-testid="file-changes">
                <tbody>
                  {fc.added.slice(0, 100).map((f) => (
                    <tr key={`+${f.path}`}>
                      <td>
                        <span class="badge ok">added</span>
                      </td>
                      <td class="mono">{f.path}</td>
                      <td class="num">{fmtBytes(f.size)}</td>
                    </tr>
                  ))}
                  {fc.removed.slice(0, 100).map((f) => (
                    <tr key={`-${f.path}`}>
                      <td>
                        <span class="badge bad">removed</span>
                      </td>
                      <td class="mono">{f.path}</td>
                      <td class="num">{fmtBytes(f.size)}</td>
                    </tr>
                  ))}
                  {fc.changed.slice(0, 100).map((f) => (
                    <tr key={`~${f.path}`}>
                      <td>
                        <span class="badge warn">changed</span>
                      </td>
                      <td class="mono">{f.path}</td>
                      <td class="num">{pair({ a: f.a.size, b: f.b.size }, fmtBytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <h3>Tables</h3>
      <div class="scroll-x">
        <table class="data" data-testid="table-changes">
          <thead>
            <tr>
              <th>Table</th>
              <th>Status</th>
              <th class="num">Rows</th>
              <th class="num">Change</th>
            </tr>
          </thead>
          <tbody>
            {d.tables.map((t, i) => (
              <tr key={i}>
                <td class="mono">{t.a === t.b || !t.a || !t.b ? t.b ?? t.a : `${t.a} → ${t.b}`}</td>
                <td>{t.status}</td>
                <td class="num">{pair(t.rows, String)}</td>
                <td class="num">{pctChange(t.rows.a, t.rows.b)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Schema changes</h3>
      {schema.length ? (
        <div class="scroll-x">
          <table class="data" data-testid="schema-changes">
            <tbody>
              {schema.map((c, i) => (
                <tr key={i}>
                  <td class="mono">{c.table}</td>
                  <td>{c.change}</td>
                  <td class="mono">{c.column}</td>
                  <td>{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted" data-testid="schema-changes">No columns added, removed or changed kind.</p>
      )}
      <h3>Column drift</h3>
      <div class="scroll-x">
        <table class="data" data-testid="drift-table">
          <thead>
            <tr>
              <th>Column</th>
              <th>Drift</th>
              <th>Test</th>
              <th class="num">Score</th>
              <th class="num">Threshold</th>
              <th class="num">Missing</th>
              <th class="num">Mean</th>
              <th class="num">Median</th>
              <th>Categories</th>
            </tr>
          </thead>
          <tbody>
            {drift.map((r) => (
              <tr key={`${r.table}/${r.column.name}`} data-column={r.column.name} data-drifted={String(r.drifted)} class={r.drifted ? 'diff' : ''}>
                <td class="mono" title={r.table}>
                  {r.column.name}
                </td>
                <td>
                  {r.column.drift.tested ? <span class={`badge ${r.drifted ? 'bad' : 'ok'}`}>{r.drifted ? 'drifted' : 'no drift'}</span> : <span class="muted">{r.column.drift.reason}</span>}
                  {r.kindChanged && <span class="badge warn">{`${r.column.kind.a} → ${r.column.kind.b}`}</span>}
                </td>
                <td>{r.column.drift.test ?? ''}</td>
                <td class="num">{fmtNumber(r.score ?? undefined)}</td>
                <td class="num">{fmtNumber(r.column.drift.threshold)}</td>
                <td class="num">{pair(r.column.missing_rate, (v) => fmtPercent(v))}</td>
                <td class="num">{pair(r.column.mean)}</td>
                <td class="num">{pair(r.column.quantiles?.p50)}</td>
                <td class="wrap">{categoryText(r.column)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
