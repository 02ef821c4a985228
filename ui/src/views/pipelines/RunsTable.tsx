// A pipeline's runs, newest first: id (link), state, trigger, version,
// started, duration, params; "graph" shows that run's states in the DAG.
import { Badge, Empty } from '../../components/common';
import { fmtDuration, fmtTime } from '../../lib/format';
import { fmtParams } from './params';
import { fmtSpan } from './timing';
import type { PipelineRun } from './types';

export function triggerText(t: PipelineRun['trigger'] | undefined): string {
  if (!t) return '';
  const d = t.detail ?? {};
  const parts = Object.entries(d)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? `${t.kind} (${parts.join(', ')})` : t.kind;
}

export function RunsTable({
  runs,
  pipeline,
  shown,
  onShow,
  now,
}: {
  runs: PipelineRun[];
  pipeline: string;
  shown?: string;
  onShow: (runId: string) => void;
  now: number;
}) {
  if (!runs.length) {
    return (
      <Empty title="No runs yet">
        <p>Start one with the button above, or from a shell:</p>
        <pre>ferry pipeline start {pipeline} --follow</pre>
      </Empty>
    );
  }
  return (
    <div class="scroll-x">
      <table class="data" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>State</th>
            <th>Trigger</th>
            <th class="num">Version</th>
            <th>Started</th>
            <th class="num">Duration</th>
            <th>Params</th>
            <th>Graph</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.run_id} data-run={r.run_id} class={shown === r.run_id ? 'selected' : ''}>
              <td class="mono">
                <a href={`/pipeline-runs/${encodeURIComponent(r.run_id)}`}>{r.run_id.slice(0, 12)}</a>
                {r.resumed_from && <span class="muted" title={`resumed from ${r.resumed_from}`}> ↻</span>}
              </td>
              <td>
                <Badge value={r.state} />
              </td>
              <td class="wrap" title={triggerText(r.trigger)}>
                {triggerText(r.trigger).slice(0, 120)}
              </td>
              <td class="num">{r.version}</td>
              <td>{fmtTime(r.start_time ?? r.created_time)}</td>
              <td class="num">{fmtSpan(r.start_time, r.end_time, now, fmtDuration)}</td>
              <td class="mono wrap">{fmtParams(r.params)}</td>
              <td>
                <button onClick={() => onShow(r.run_id)} disabled={shown === r.run_id} aria-label={`show run ${r.run_id} in the graph`}>
                  {shown === r.run_id ? 'shown' : 'show'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
