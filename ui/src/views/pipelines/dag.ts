// The pipeline DAG: a dagre layout of the spec's steps (boxes) and their
// `needs` (arrows), and how a step run's state is shown on its box.
import * as dagre from '@dagrejs/dagre';
import type { StepRun } from './types';

export interface DagStep {
  name: string;
  needs: string[];
}

export interface DagNode {
  id: string;
  x: number; // top-left corner
  y: number;
  width: number;
  height: number;
}

export interface DagEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: DagNode[];
  edges: DagEdge[];
  missing: string[]; // `needs` that name no step of the spec (drawn nowhere, listed)
}

export const NODE_HEIGHT = 46;
const CHAR_WIDTH = 7.4;

// A box wide enough for the step's name (and the state line under it), capped.
export function nodeWidth(name: string): number {
  return Math.round(Math.min(260, Math.max(120, name.length * CHAR_WIDTH + 32)));
}

export function layoutDag(steps: DagStep[], direction: 'LR' | 'TB' = 'LR'): DagLayout {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: direction, nodesep: 18, ranksep: 44, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const names = new Set(steps.map((s) => s.name));
  for (const s of steps) g.setNode(s.name, { width: nodeWidth(s.name), height: NODE_HEIGHT });
  const missing: string[] = [];
  for (const s of steps) {
    for (const n of s.needs ?? []) {
      if (names.has(n)) g.setEdge(n, s.name);
      else if (!missing.includes(n)) missing.push(n);
    }
  }
  if (steps.length) dagre.layout(g);
  const nodes: DagNode[] = steps.map((s) => {
    const n = g.node(s.name);
    return { id: s.name, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  });
  const edges: DagEdge[] = g.edges().map((e) => ({
    from: e.v,
    to: e.w,
    points: (g.edge(e).points ?? []).map((p) => ({ x: p.x, y: p.y })),
  }));
  const label = g.graph();
  return {
    width: Math.ceil(steps.length ? label.width ?? 0 : 0),
    height: Math.ceil(steps.length ? label.height ?? 0 : 0),
    nodes,
    edges,
    missing,
  };
}

// An SVG path through the edge's points.
export function edgePath(points: { x: number; y: number }[]): string {
  if (!points.length) return '';
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

// How a step's box looks: `state` is the run's step state (or "none" when the
// run has no such step / no run is chosen); `mark` names a cached or reused step.
export interface StepLook {
  state: string;
  cls: string;
  mark: '' | 'cached' | 'reused';
  label: string;
}

const CLASSES: Record<string, string> = {
  succeeded: 'ok',
  cached: 'cached',
  failed: 'bad',
  running: 'run',
  pending: 'idle',
  queued: 'idle',
  skipped: 'skip',
  cancelled: 'warn',
  none: 'none',
};

export function stepLook(run: StepRun | undefined): StepLook {
  if (!run) return { state: 'none', cls: 'none', mark: '', label: 'not run' };
  const state = run.state || 'pending';
  const mark = run.reused ? 'reused' : state === 'cached' ? 'cached' : '';
  let label = state;
  if (run.reused) label = `${state} · reused`;
  if (state === 'running' && run.attempts > 1) label = `running · attempt ${run.attempts}`;
  if (state === 'failed' && run.timed_out) label = 'failed · timed out';
  else if (state === 'failed' && run.exit_code) label = `failed · exit ${run.exit_code}`;
  return { state, cls: CLASSES[state] ?? 'idle', mark, label };
}

export function stepsByName(steps: StepRun[] | undefined): Map<string, StepRun> {
  const m = new Map<string, StepRun>();
  for (const s of steps ?? []) m.set(s.step, s);
  return m;
}

// The steps to draw: the spec's, plus any step of the run the spec lacks
// (a run of another version), so every run step has a box.
export function dagSteps(spec: DagStep[] | undefined, run: StepRun[] | undefined): DagStep[] {
  const out: DagStep[] = (spec ?? []).map((s) => ({ name: s.name, needs: s.needs ?? [] }));
  const have = new Set(out.map((s) => s.name));
  for (const s of run ?? []) if (!have.has(s.step)) out.push({ name: s.step, needs: [] });
  return out;
}
