// One dataset version: its files (manifest) and profile (per table: rows,
// columns with kind, missing, distinct, min/max/mean/std/median, top values).
import { ErrorBox, KeyValues, Loading } from '../../components/common';
import { api } from '../../lib/api';
import { fmtBytes, fmtNumber, fmtPercent, fmtTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import type { ColumnProfile, DatasetDetail } from './types';

const MAX_FILES = 200;

function topValues(c: ColumnProfile): string {
  const rows = c.rows ?? c.count ?? 0;
  return (c.top ?? [])
    .slice(0, 4)
    .map((t) => `${t.value} ${rows ? fmtPercent(t.count / rows, 0) : t.count}`)
    .join(', ');
}

export function VersionDetail({ name, version }: { name: string; version: string }) {
  const { data, error, loading } = useApi(
    (s) => api.get<{ dataset: DatasetDetail }>(`/api/v1/datasets/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, undefined, s),
    [name, version],
  );
  if (error) return <ErrorBox error={error} title={`Could not load version ${version}`} />;
  if (loading && !data) return <Loading what={`version ${version}`} />;
  const d = data!.dataset;
  const entries = d.manifest?.entries ?? [];
  const tables = d.profile?.tables ?? [];
  return (
    <div data-testid="version-detail" data-version={d.version}>
      <KeyValues
        rows={[
          ['Digest', <span class="mono">{d.digest}</span>],
          ['Created', fmtTime(d.created_time)],
          ['Source', <span class="mono">{d.source}</span>],
          ['Description', d.description],
          ['Files', `${d.files} (${fmtBytes(d.bytes)})`],
        ]}
      />
      <h3>Files{entries.length > MAX_FILES ? ` (first ${MAX_FILES} of ${entries.length})` : ''}</h3>
      <div class="scroll-x">
        <table class="data" data-testid="files-table">
          <thead>
            <tr>
              <th>Path</th>
              <th class="num">Size</th>
              <th>SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {entries.slice(0, MAX_FILES).map((f) => (
              <tr key={f.path}>
                <td class="mono">{f.path}</td>
                <td class="num">{fmtBytes(f.size)}</td>
                <td class="mono" title={f.sha256}>
                  {f.sha256.slice(0, 16)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!tables.length && <p class="muted">No CSV tables were profiled in this version.</p>}
      {tables.map((t) => (
        <div key={t.path}>
          <h3>
            <span class="mono">{t.path}</span> <span class="muted">· {t.rows ?? '?'} rows · {t.columns?.length ?? 0} columns</span>
          </h3>
          {t.error && <ErrorBox error={new Error(t.error)} title="Not profiled" />}
          {t.columns && (
            <div class="scroll-x">
              <table class="data" data-testid="profile-table">
                <thead>
                  <tr>
                    <th>Column</th>
                    <th>Kind</th>
                    <th class="num">Missing</th>
                    <th class="num">Distinct</th>
                    <th class="num">Min</th>
                    <th class="num">Max</th>
                    <th class="num">Mean</th>
                    <th class="num">Std</th>
                    <th class="num">Median</th>
                    <th>Top values</th>
                  </tr>
                </thead>
                <tbody>
                  {t.columns.map((c) => (
                    <tr key={c.name} data-column={c.name}>
                      <td class="mono">{c.name}</td>
                      <td>{c.kind}</td>
                      <td class="num">{c.missing_rate !== undefined ? `${fmtPercent(c.missing_rate)} (${c.missing ?? 0})` : ''}</td>
                      <td class="num">
                        {c.distinct ?? ''}
                        {c.distinct !== undefined && c.distinct_exact === false ? '≈' : ''}
                      </td>
                      <td class="num">{fmtNumber(c.min ?? undefined)}</td>
                      <td class="num">{fmtNumber(c.max ?? undefined)}</td>
                      <td class="num">{fmtNumber(c.mean ?? undefined)}</td>
                      <td class="num">{fmtNumber(c.std ?? undefined)}</td>
                      <td class="num">{fmtNumber(c.quantiles?.p50 ?? undefined)}</td>
                      <td class="wrap">{topValues(c)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
