// A pipeline's triggers: the cron schedule (next due time) and `on:` events.
import { fmtTime } from '../../lib/format';
import type { PipelineSpec, TriggerEvent } from './types';

export function eventText(e: TriggerEvent): string {
  if (e.kind === 'registry') return `registry: ${e.name}${e.action ? ` ${e.action}` : ''}`;
  return `${e.kind}: ${e.name}`;
}

export function triggerSummary(spec: PipelineSpec | undefined): string[] {
  if (!spec) return [];
  const out: string[] = [];
  if (spec.triggers?.schedule) out.push(`cron ${spec.triggers.schedule}`);
  for (const e of spec.triggers?.on ?? []) out.push(eventText(e));
  return out;
}

export function TriggersList({ spec, next }: { spec: PipelineSpec; next: number | null }) {
  const on = spec.triggers?.on ?? [];
  const schedule = spec.triggers?.schedule;
  return (
    <div data-testid="triggers">
      <ul>
        <li>
          Schedule:{' '}
          {schedule ? (
            <>
              <code>{schedule}</code> (UTC){next ? `, next at ${fmtTime(next)}` : ''}
            </>
          ) : (
            <span class="muted">none</span>
          )}
        </li>
        {on.map((e, i) => (
          <li key={i}>
            On <code>{eventText(e)}</code>
          </li>
        ))}
        {!on.length && (
          <li class="muted">
            No events. Add <code>triggers: {'{'}on: [{'{'}alert: RULE{'}'}, {'{'}dataset: NAME{'}'}]{'}'}</code> to the file, or name the
            pipeline in an alert rule's <code>pipeline:</code> field.
          </li>
        )}
        <li>
          Manual: the <em>Start run</em> button, or <code>ferry pipeline start {spec.name}</code>
        </li>
        <li>
          Concurrency: <code>{spec.concurrency}</code>
        </li>
      </ul>
    </div>
  );
}
