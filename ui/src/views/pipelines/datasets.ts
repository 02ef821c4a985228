// Shaping dataset versions, profiles and diffs for the tables of the views.
import type { ColumnDiff, DatasetDetail, DatasetDiff, DatasetVersion, TableProfile } from './types';

export const shortDigest = (d: string | undefined, n = 12) => (d ? d.slice(0, n) : '');

export interface ProfileSummary {
  tables: number;
  rows: number | null; // summed over the tables that have a row count
  columns: number;
  errors: number;
}

export function profileSummary(profile: DatasetDetail['profile'] | undefined): ProfileSummary {
  const tables: TableProfile[] = profile?.tables ?? [];
  let rows: number | null = null;
  let columns = 0;
  let errors = 0;
  for (const t of tables) {
    if (typeof t.rows === 'number') rows = (rows ?? 0) + t.rows;
    columns += t.columns?.length ?? 0;
    if (t.error) errors++;
  }
  return { tables: tables.length, rows, columns, errors };
}

// The pair of versions to compare: ?from=&to= when both name versions, else
// the two newest (older → newer). null when there are fewer than two versions.
export function diffPair(versions: DatasetVersion[], from: string | null, to: string | null): { from: number; to: number } | null {
  const nums = versions.map((v) => v.version).sort((a, b) => a - b);
  if (nums.length < 2) return null;
  const f = Number(from);
  const t = Number(to);
  if (from && to && nums.includes(f) && nums.includes(t)) return { from: f, to: t };
  return { from: nums[nums.length - 2], to: nums[nums.length - 1] };
}

export interface DriftRow {
  table: string;
  column: ColumnDiff;
  drifted: boolean;
  score: number | null;
  kindChanged: boolean;
}

// Every compared column of every table, drifted first, then by severity.
export function driftRows(diff: DatasetDiff | undefined): DriftRow[] {
  const rows: DriftRow[] = [];
  for (const t of diff?.tables ?? []) {
    for (const c of t.columns ?? []) {
      rows.push({
        table: t.b ?? t.a ?? '',
        column: c,
        drifted: !!c.drift?.drifted,
        score: c.drift?.tested ? c.drift.score ?? null : null,
        kindChanged: c.kind.a !== c.kind.b,
      });
    }
  }
  const sev = (r: DriftRow) => r.column.severity ?? -1;
  return rows.sort((x, y) => Number(y.drifted) - Number(x.drifted) || sev(y) - sev(x) || x.column.name.localeCompare(y.column.name));
}

export interface SchemaChange {
  table: string;
  change: 'added' | 'removed' | 'kind changed';
  column: string;
  detail: string;
}

export function schemaChanges(diff: DatasetDiff | undefined): SchemaChange[] {
  const out: SchemaChange[] = [];
  for (const t of diff?.tables ?? []) {
    const table = t.b ?? t.a ?? '';
    for (const c of t.schema?.added ?? []) out.push({ table, change: 'added', column: c.name, detail: c.kind });
    for (const c of t.schema?.removed ?? []) out.push({ table, change: 'removed', column: c.name, detail: c.kind });
    for (const c of t.schema?.kind_changed ?? []) out.push({ table, change: 'kind changed', column: c.name, detail: `${c.a} → ${c.b}` });
  }
  return out;
}

// "+12.5%" between two counts; '' when either is missing or a is 0.
export function pctChange(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || a === 0) return '';
  const p = ((b - a) / a) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}
