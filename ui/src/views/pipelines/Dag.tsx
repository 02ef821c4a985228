// The pipeline DAG as SVG: one box per step (coloured by the chosen run's
// step state), one arrow per `needs`. Clicking a box selects the step.
import { useMemo } from 'preact/hooks';
import { dagSteps, edgePath, layoutDag, stepLook, stepsByName, type DagStep } from './dag';
import type { StepRun } from './types';

export function Dag({
  steps,
  runSteps,
  selected,
  onSelect,
  testid = 'dag',
}: {
  steps: DagStep[] | undefined;
  runSteps?: StepRun[];
  selected?: string | null;
  onSelect?: (step: string) => void;
  testid?: string;
}) {
  const narrow = typeof window !== 'undefined' && window.innerWidth < 760;
  const all = useMemo(() => dagSteps(steps, runSteps), [steps, runSteps]);
  const layout = useMemo(() => layoutDag(all, narrow ? 'TB' : 'LR'), [all, narrow]);
  const byName = useMemo(() => stepsByName(runSteps), [runSteps]);
  if (!all.length) return <p class="muted">This pipeline has no steps.</p>;
  return (
    <div>
      <div class="dag-wrap">
        <svg
          data-testid={testid}
          width={layout.width}
          height={layout.height}
          style={{ width: '100%', height: 'auto', maxWidth: `${layout.width}px`, minWidth: `${Math.round(layout.width * 0.6)}px` }}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="img"
          aria-label={`pipeline graph of ${all.length} steps`}
        >
          <defs>
            <marker id="dag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="#64748b" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <path key={`${e.from}->${e.to}`} class="dag-edge" data-testid="dag-edge" d={edgePath(e.points)} marker-end="url(#dag-arrow)">
              <title>{`${e.to} needs ${e.from}`}</title>
            </path>
          ))}
          {layout.nodes.map((n) => {
            const look = stepLook(byName.get(n.id));
            const sel = selected === n.id;
            const pick = () => onSelect?.(n.id);
            return (
              <g
                key={n.id}
                class={`dag-node st-${look.cls}${sel ? ' selected' : ''}`}
                data-testid="dag-node"
                data-step={n.id}
                data-state={look.state}
                data-mark={look.mark || undefined}
                transform={`translate(${n.x},${n.y})`}
                tabIndex={0}
                role="button"
                aria-pressed={sel}
                onClick={pick}
                onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), pick())}
              >
                <title>{`${n.id}: ${look.label}`}</title>
                <rect class="box" width={n.width} height={n.height} rx="6" />
                <text x="10" y="19">
                  {n.id.length > 32 ? `${n.id.slice(0, 31)}…` : n.id}
                </text>
                <text class="state" x="10" y="36">
                  {look.label}
                </text>
                {look.mark && (
                  <g class="mark" transform={`translate(${n.width - 50},-7)`}>
                    <rect width="46" height="14" rx="7" />
                    <text x="23" y="10.5" text-anchor="middle">
                      {look.mark}
                    </text>
                  </g>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      {layout.missing.length > 0 && (
        <p class="muted">needs naming no step of this version: {layout.missing.join(', ')}</p>
      )}
      <div class="dag-legend" aria-hidden="true">
        <span class="st-ok">succeeded</span>
        <span class="st-cached">cached / reused</span>
        <span class="st-run">running</span>
        <span class="st-bad">failed</span>
        <span class="st-warn">cancelled</span>
        <span class="st-skip">skipped / pending</span>
        <span class="st-none">not in this run</span>
      </div>
    </div>
  );
}
