// Parallel coordinates: one vertical axis per param or metric, one line per
// run. Numeric axes are linear from min to max; text axes place their
// distinct values evenly (sorted). A run without a value gets no point there.

export interface Axis {
  key: string;
  kind: 'param' | 'metric';
  numeric: boolean;
  min: number;
  max: number;
  categories: string[];
}

export function buildAxes(rows: Record<string, string | number | undefined>[], keys: { key: string; kind: 'param' | 'metric' }[]): Axis[] {
  return keys.map(({ key, kind }) => {
    const values = rows.map((r) => r[key]).filter((v) => v !== undefined && v !== '') as (string | number)[];
    const nums = values.map((v) => (typeof v === 'number' ? v : Number(v)));
    const numeric = values.length > 0 && nums.every((n) => Number.isFinite(n));
    if (numeric) {
      return { key, kind, numeric, min: Math.min(...nums), max: Math.max(...nums), categories: [] };
    }
    const categories = [...new Set(values.map(String))].sort();
    return { key, kind, numeric: false, min: 0, max: Math.max(0, categories.length - 1), categories };
  });
}

// Where `value` sits on `axis`, from 0 (bottom) to 1 (top); null when absent.
export function position(axis: Axis, value: string | number | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (axis.numeric) {
    const v = typeof value === 'number' ? value : Number(value);
    if (!Number.isFinite(v)) return null;
    return axis.max === axis.min ? 0.5 : (v - axis.min) / (axis.max - axis.min);
  }
  const i = axis.categories.indexOf(String(value));
  if (i < 0) return null;
  return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
}

// Params whose values differ between runs (the interesting axes).
export function varyingKeys(rows: Record<string, string | undefined>[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) Object.keys(r).forEach((k) => keys.add(k));
  return [...keys].filter((k) => new Set(rows.map((r) => r[k])).size > 1).sort();
}
