// Run data as the API sends it (MLflow's JSON run shape) and the runs
// table's column model: which columns, how a column sorts (MLflow order_by
// text), and what a cell shows.
import { toNumber } from './format';

export interface KV {
  key: string;
  value: string;
}
export interface MetricJson {
  key: string;
  value: number | string;
  timestamp: number | string;
  step: number | string;
}
export interface RunJson {
  info: {
    run_id: string;
    run_name?: string;
    experiment_id: string;
    status: string;
    start_time?: number | string;
    end_time?: number | string;
    user_id?: string;
    artifact_uri?: string;
    lifecycle_stage?: string;
  };
  data: { metrics?: MetricJson[]; params?: KV[]; tags?: KV[] };
  inputs?: { dataset_inputs?: { dataset: { name: string; digest: string; source_type?: string; source?: string } }[] };
}

export interface Run {
  id: string;
  name: string;
  experimentId: string;
  status: string;
  start: number;
  end: number;
  user: string;
  artifactUri: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  parentId?: string;
  raw: RunJson;
}

export function toRun(j: RunJson): Run {
  const metrics: Record<string, number> = {};
  for (const m of j.data?.metrics ?? []) metrics[m.key] = toNumber(m.value);
  const params: Record<string, string> = {};
  for (const p of j.data?.params ?? []) params[p.key] = p.value;
  const tags: Record<string, string> = {};
  for (const t of j.data?.tags ?? []) tags[t.key] = t.value;
  return {
    id: j.info.run_id,
    name: j.info.run_name || tags['mlflow.runName'] || j.info.run_id.slice(0, 8),
    experimentId: j.info.experiment_id,
    status: j.info.status,
    start: Number(j.info.start_time ?? 0),
    end: Number(j.info.end_time ?? 0),
    user: j.info.user_id ?? '',
    artifactUri: j.info.artifact_uri ?? '',
    metrics,
    params,
    tags,
    parentId: tags['mlflow.parentRunId'],
    raw: j,
  };
}

export type ColumnKind = 'metric' | 'param' | 'tag' | 'attr';
export interface Column {
  kind: ColumnKind;
  key: string;
}

const kindCode: Record<ColumnKind, string> = { metric: 'm', param: 'p', tag: 't', attr: 'a' };
const codeKind: Record<string, ColumnKind> = { m: 'metric', p: 'param', t: 'tag', a: 'attr' };

// Columns live in the URL as "m:auc,p:lr,t:team".
export function encodeColumns(cols: Column[]): string {
  return cols.map((c) => `${kindCode[c.kind]}:${c.key}`).join(',');
}

export function decodeColumns(text: string | null): Column[] | null {
  if (text === null) return null;
  const out: Column[] = [];
  for (const part of text.split(',')) {
    const i = part.indexOf(':');
    if (i < 1) continue;
    const kind = codeKind[part.slice(0, i)];
    const key = part.slice(i + 1);
    if (kind && key) out.push({ kind, key });
  }
  return out;
}

const orderEntity: Record<ColumnKind, string> = { metric: 'metrics', param: 'params', tag: 'tags', attr: 'attributes' };

// MLflow's order_by text for a column; keys are backquoted so any name works.
export function orderBy(col: Column, ascending: boolean): string {
  const key = col.key.includes('`') ? col.key : `\`${col.key}\``;
  return `${orderEntity[col.kind]}.${key} ${ascending ? 'ASC' : 'DESC'}`;
}

// The inverse, for the header arrows: "metrics.`auc` DESC" → column and direction.
export function parseOrder(text: string | null): { col: Column; ascending: boolean } | null {
  if (!text) return null;
  const m = /^(metrics|params|tags|attributes)\.(`([^`]*)`|(\S+))\s+(ASC|DESC)$/i.exec(text.trim());
  if (!m) return null;
  const kinds: Record<string, ColumnKind> = { metrics: 'metric', params: 'param', tags: 'tag', attributes: 'attr' };
  return { col: { kind: kinds[m[1].toLowerCase()], key: m[3] ?? m[4] }, ascending: m[5].toUpperCase() === 'ASC' };
}

export function cellValue(run: Run, col: Column): string | number | undefined {
  switch (col.kind) {
    case 'metric':
      return run.metrics[col.key];
    case 'param':
      return run.params[col.key];
    case 'tag':
      return run.tags[col.key];
    case 'attr':
      if (col.key === 'start_time') return run.start;
      if (col.key === 'status') return run.status;
      if (col.key === 'run_name') return run.name;
      if (col.key === 'user_id') return run.user;
      return undefined;
  }
}

// Default columns: up to 6 metrics and 4 params, in key order.
export function defaultColumns(keys: { metrics: string[]; params: string[] }): Column[] {
  return [
    ...keys.metrics.slice(0, 6).map((key) => ({ kind: 'metric' as const, key })),
    ...keys.params.slice(0, 4).map((key) => ({ kind: 'param' as const, key })),
  ];
}
