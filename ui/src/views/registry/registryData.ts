// Registry shapes (/api/v1/models...) and the pure data shaping the registry
// views use: alias lookups, search filters, the audit log order and the
// lineage graph's nodes and edges.

import { containsPattern } from '../../lib/filter';
export interface Tag {
  key: string;
  value: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  run_id: string;
  status: string;
  status_message?: string;
  run_link?: string;
  tags: Tag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  description: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  tags: Tag[];
  aliases: { alias: string; version: string }[];
  latest_versions?: ModelVersion[];
  gate_policy?: unknown;
}

export interface GateRow {
  rule: string;
  metric: string;
  champion: number | null;
  challenger: number | null;
  requirement: string;
  passed: boolean;
  note: string;
}

export interface GateDecision {
  passed: boolean;
  needs_approval: boolean;
  rows: GateRow[];
}

export interface GateResult {
  name: string;
  candidate: string;
  champion: string | null;
  decision: GateDecision;
  promoted: boolean;
}

export interface RegistryEvent {
  event_id: number;
  time: number;
  model: string;
  version: string | null;
  action: string;
  actor: string;
  reason: string;
  before: unknown;
  after: unknown;
}

export interface LineageDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
}

export interface Lineage {
  model_version: ModelVersion;
  files: { path: string; size: number; sha256: string }[];
  code_version: string;
  source_name: string;
  aliases: string[];
  run: { info: { run_id: string; run_name?: string; experiment_id: string; status: string } } | null;
  datasets: LineageDataset[];
}

export const modelPath = (name: string) => `/models/${encodeURIComponent(name)}`;
export const versionPath = (name: string, version: string | number) =>
  `${modelPath(name)}/versions/${encodeURIComponent(String(version))}`;
export const apiModel = (name: string) => `/api/v1/models/${encodeURIComponent(name)}`;

// The registry's search filter for a search box: names containing the text, any case.
export function nameFilter(text: string): string {
  const t = text.trim();
  if (!t) return '';
  return `name ILIKE ${containsPattern(t)}`;
}

// alias -> version from a model's alias list.
export function aliasMap(model: Pick<RegisteredModel, 'aliases'>): Map<string, string> {
  return new Map(model.aliases.map((a) => [a.alias, a.version]));
}

// Alias names as the server accepts them (the dialog still shows the server's own error).
export const aliasPattern = /^[A-Za-z0-9_-]+$/;

// A gate decision recorded in an audit event ("gate_decision"), or undefined.
export function eventDecision(e: RegistryEvent): { decision: GateDecision; champion: number | null; champion_alias: string } | undefined {
  if (e.action !== 'gate_decision' || !e.after || typeof e.after !== 'object') return undefined;
  const a = e.after as { decision?: GateDecision; champion?: number | null; champion_alias?: string };
  if (!a.decision || !Array.isArray(a.decision.rows)) return undefined;
  return { decision: a.decision, champion: a.champion ?? null, champion_alias: a.champion_alias ?? 'champion' };
}

// One line that says what an event changed ("champion → v2", "created v3").
export function eventSummary(e: RegistryEvent): string {
  const after = (e.after ?? {}) as Record<string, unknown>;
  const before = (e.before ?? {}) as Record<string, unknown>;
  switch (e.action) {
    case 'set_alias':
      return `${String(after.alias ?? '')} → v${String(after.version ?? e.version ?? '')}` +
        (before.version !== undefined ? ` (was v${String(before.version)})` : '');
    case 'delete_alias':
      return `removed ${String(before.alias ?? after.alias ?? '')}`;
    case 'create_version':
      return `created v${String(after.version ?? e.version ?? '')}`;
    case 'gate_decision': {
      const d = eventDecision(e);
      if (!d) return '';
      const verdict = d.decision.passed ? 'passed' : 'failed';
      return `v${e.version ?? '?'} vs ${d.champion_alias}${d.champion !== null ? ` (v${d.champion})` : ''}: ${verdict}` +
        (d.decision.needs_approval ? ', needs approval' : '');
    }
    default:
      if (typeof after.rule === 'string') return `${after.rule}: ${String(after.expr ?? '')}`;
      return '';
  }
}

// Newest first, each event once (pages can overlap when events arrive while paging).
export function newestFirst(events: RegistryEvent[]): RegistryEvent[] {
  const seen = new Map<number, RegistryEvent>();
  for (const e of events) seen.set(e.event_id, e);
  return [...seen.values()].sort((a, b) => b.event_id - a.event_id);
}

export type NodeKind = 'dataset' | 'run' | 'version' | 'deployment';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  label: string;
  sub: string;
  href: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: [string, string][];
  columns: LineageNode[][]; // left to right: datasets, run, version, deployments
}

export interface ServingArm {
  deployment: string;
  role: string;
  version?: string;
  model: string;
}

// dataset → run → version → deployment, from the lineage answer and the
// deployments whose arms serve this version.
export function lineageGraph(lineage: Lineage, arms: ServingArm[]): LineageGraph {
  const v = lineage.model_version;
  const version: LineageNode = {
    id: 'version', kind: 'version', label: `${v.name} v${v.version}`,
    sub: lineage.aliases.length ? lineage.aliases.map((a) => `@${a}`).join(' ') : v.status,
    href: versionPath(v.name, v.version),
  };
  const datasets: LineageNode[] = lineage.datasets.map((d, i) => ({
    id: `dataset:${i}`, kind: 'dataset', label: d.name, sub: d.digest ? d.digest.slice(0, 12) : d.source_type,
    href: `/datasets/${encodeURIComponent(d.name)}`,
  }));
  const runId = lineage.run?.info.run_id ?? v.run_id;
  const run: LineageNode | undefined = runId
    ? { id: 'run', kind: 'run', label: lineage.run?.info.run_name || runId.slice(0, 12), sub: runId.slice(0, 12),
        href: `/runs/${encodeURIComponent(runId)}` }
    : undefined;
  const byDeployment = new Map<string, string[]>();
  for (const a of arms) {
    if (a.model !== v.name || a.version !== v.version) continue;
    byDeployment.set(a.deployment, [...(byDeployment.get(a.deployment) ?? []), a.role]);
  }
  const deployments: LineageNode[] = [...byDeployment.entries()].sort().map(([name, roles]) => ({
    id: `deployment:${name}`, kind: 'deployment', label: name, sub: roles.join(', '),
    href: `/deployments/${encodeURIComponent(name)}`,
  }));
  const edges: [string, string][] = [];
  const upstream = run ?? version;
  for (const d of datasets) edges.push([d.id, upstream.id]);
  if (run) edges.push([run.id, version.id]);
  for (const d of deployments) edges.push([version.id, d.id]);
  const columns = [datasets, run ? [run] : [], [version], deployments].filter((c) => c.length > 0);
  return { nodes: columns.flat(), edges, columns };
}
