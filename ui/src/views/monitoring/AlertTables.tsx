// The alert tables: every rule with its condition and state, and the
// history of transitions.
import { fmtNumber, fmtTime } from '../../lib/format';
import { setQuery } from '../../lib/router';
import { conditionWindows, type AlertRow } from './alertShape';
import type { AlertEvent } from './types';

// A time on two lines (date, then time) so wide tables fit.
export function Stamp({ ms }: { ms: number | null | undefined }) {
  const t = fmtTime(ms);
  if (!t) return null;
  const [d, h] = t.split(' ');
  return (
    <span title={t}>
      {d}
      <br />
      {h}
    </span>
  );
}

export function StateBadge({ state, short }: { state: string | undefined; short?: boolean }) {
  if (!state) return <span class="badge">not evaluated</span>;
  const cls = state === 'firing' ? 'bad' : state === 'pending' ? 'pending' : state === 'inactive' ? 'ok' : '';
  return (
    <span class={`badge ${cls}`} data-state={state}>
      {state === 'inactive' && !short ? 'ok (inactive)' : state}
    </span>
  );
}

const depLink = (d: string) => <a href={`/deployments/${encodeURIComponent(d)}/monitoring`}>{d}</a>;

export function RulesTable({ rows }: { rows: AlertRow[] }) {
  return (
    <div class="scroll-x">
      <table class="data" data-testid="rules-table">
        <thead>
          <tr>
            <th>rule</th>
            <th>state</th>
            <th>condition</th>
            <th>deployment</th>
            <th class="num">value</th>
            <th>last fired</th>
            <th>evaluated</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ rule, state, lastFired }) => (
            <tr key={rule.name} data-rule={rule.name} class={state?.state === 'firing' ? 'drifted' : ''}>
              <td>
                <a href={`/alerts?rule=${encodeURIComponent(rule.name)}`} title="Show this rule's history">
                  {rule.name}
                </a>{' '}
                <span class={`badge ${rule.severity === 'critical' ? 'critical' : ''}`}>{rule.severity}</span>
                {rule.description && <div class="muted">{rule.description}</div>}
              </td>
              <td>
                <StateBadge state={state?.state} />
                {state?.since ? <div class="muted">since <Stamp ms={state.since} /></div> : null}
                {state?.error && (
                  <div class="muted" style={{ color: 'var(--bad)', whiteSpace: 'normal' }} data-testid="rule-error">
                    {state.error}
                  </div>
                )}
              </td>
              <td style={{ whiteSpace: 'normal', minWidth: '210px' }} data-testid="rule-condition">
                <code>{rule.expr}</code>
                <div class="muted">{conditionWindows(rule)}</div>
              </td>
              <td>
                {depLink(rule.deployment)}
                {rule.pipeline && (
                  <div class="muted">
                    starts <a href={`/pipelines/${encodeURIComponent(rule.pipeline)}`}>{rule.pipeline}</a>
                  </div>
                )}
              </td>
              <td class="num">{state?.value === null || state?.value === undefined ? '–' : fmtNumber(state.value)}</td>
              <td data-testid="last-fired">{lastFired ? <Stamp ms={lastFired} /> : <span class="muted">never</span>}</td>
              <td>
                <Stamp ms={state?.evaluated_time} />
                {state?.model && (
                  <div class="muted">
                    on <a href={`/models/${encodeURIComponent(state.model)}/versions/${state.version}`}>{state.model} v{state.version}</a>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HistoryTable({ events }: { events: AlertEvent[] }) {
  return (
    <div class="scroll-x">
      <table class="data" data-testid="history-table">
        <thead>
          <tr>
            <th>time</th>
            <th>rule</th>
            <th>transition</th>
            <th class="num">value</th>
            <th class="num">threshold</th>
            <th>deployment</th>
            <th>window</th>
            <th>notified</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-rule={e.rule} data-kind={e.kind}>
              <td>{fmtTime(e.time)}</td>
              <td>
                <a href="#" onClick={(ev) => (ev.preventDefault(), setQuery({ rule: e.rule }))}>
                  {e.rule}
                </a>
              </td>
              <td>
                <StateBadge state={e.from} short /> → <StateBadge state={e.to} short /> <span class="muted">{e.kind}</span>
              </td>
              <td class="num">{e.value === null ? '–' : fmtNumber(e.value)}</td>
              <td class="num">{fmtNumber(e.threshold)}</td>
              <td>
                {depLink(e.deployment)}
                {e.model && (
                  <>
                    {' '}
                    <a class="muted" href={`/models/${encodeURIComponent(e.model)}/versions/${e.version}`}>
                      {e.model} v{e.version}
                    </a>
                  </>
                )}
              </td>
              <td>
                <Stamp ms={e.window_start} />
              </td>
              <td>{e.notified ? 'yes' : <span class="muted">not yet</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
