// The steps of a run: state, attempts, exit code, started, duration, cached
// or reused, error; clicking a row picks the step whose log is shown.
import { Badge } from '../../components/common';
import { fmtDuration, fmtTime } from '../../lib/format';
import { fmtSpan } from './timing';
import type { StepRun } from './types';

export function StepTable({ steps, selected, onSelect, now }: { steps: StepRun[]; selected: string | null; onSelect: (s: string) => void; now: number }) {
  return (
    <div class="scroll-x">
      <table class="data" data-testid="steps-table">
        <thead>
          <tr>
            <th>Step</th>
            <th>State</th>
            <th class="num">Attempts</th>
            <th class="num">Exit code</th>
            <th>Started</th>
            <th class="num">Duration</th>
            <th>Cached</th>
            <th>Tracked run</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr
              key={s.step}
              data-step={s.step}
              class={`clickable${selected === s.step ? ' selected' : ''}`}
              onClick={() => onSelect(s.step)}
              aria-selected={selected === s.step}
            >
              <td>
                <a
                  href={`?step=${encodeURIComponent(s.step)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    e.stopPropagation();
                    onSelect(s.step);
                  }}
                >
                  {s.step}
                </a>
              </td>
              <td>
                <Badge value={s.state} />
                {s.timed_out && <span class="badge bad">timed out</span>}
              </td>
              <td class="num">{s.attempts}</td>
              <td class="num">{s.start_time && s.end_time ? s.exit_code : ''}</td>
              <td>{fmtTime(s.start_time)}</td>
              <td class="num">{fmtSpan(s.start_time, s.end_time, now, fmtDuration)}</td>
              <td>
                {s.reused ? (
                  <span class="badge cached" title="outputs reused from the run this one resumed">reused</span>
                ) : s.state === 'cached' ? (
                  <span class="badge cached" title={`step cache key ${s.cache_key}`}>cached</span>
                ) : (
                  ''
                )}
              </td>
              <td class="mono">{s.tracking_run_id ? <a href={`/runs/${encodeURIComponent(s.tracking_run_id)}`}>{s.tracking_run_id.slice(0, 8)}</a> : ''}</td>
              <td class="wrap" title={s.error}>
                {s.error.length > 160 ? `${s.error.slice(0, 160)}…` : s.error}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
