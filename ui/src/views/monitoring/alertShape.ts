// Alert rules joined with their states and history.
import type { AlertEvent, AlertRule, AlertState } from './types';

export interface AlertRow {
  rule: AlertRule;
  state?: AlertState;
  lastFired?: number;
}

// The newest time each rule went to firing.
export function lastFiredByRule(events: AlertEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.to !== 'firing' && e.kind !== 'firing') continue;
    if ((out.get(e.rule) ?? -Infinity) < e.time) out.set(e.rule, e.time);
  }
  return out;
}

// Every rule once (rules without a state yet included, states of rules that
// the rules list lacks too), firing first, then pending, then by name.
export function alertRows(rules: AlertRule[], states: AlertState[], events: AlertEvent[]): AlertRow[] {
  const byName = new Map<string, AlertRow>();
  for (const r of rules) byName.set(r.name, { rule: r });
  for (const s of states) {
    const row = byName.get(s.rule.name);
    if (row) row.state = s;
    else byName.set(s.rule.name, { rule: s.rule, state: s });
  }
  const fired = lastFiredByRule(events);
  for (const row of byName.values()) row.lastFired = fired.get(row.rule.name);
  const rank = (r: AlertRow) => (r.state?.state === 'firing' ? 0 : r.state?.state === 'pending' ? 1 : 2);
  return [...byName.values()].sort((a, b) => rank(a) - rank(b) || a.rule.name.localeCompare(b.rule.name));
}

// "2 rules evaluated: 1 firing, 1 inactive; 1 with an error".
export function evaluationSummary(states: AlertState[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const parts = [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `${n} ${k}`);
  const errors = states.filter((s) => s.error).length;
  const n = states.length;
  let text = `${n} rule${n === 1 ? '' : 's'} evaluated`;
  if (parts.length) text += `: ${parts.join(', ')}`;
  if (errors) text += `; ${errors} with an error`;
  return text;
}

// A rule's condition in words: "psi(feature=income) > 0.2 for 1 window, windows of ≥ 200 rows".
export function describeCondition(r: AlertRule): string {
  return `${r.expr} ${conditionWindows(r)}`;
}

// "for 2 consecutive windows, windows of ≥ 100 rows".
export function conditionWindows(r: AlertRule): string {
  const w = r.for === 1 ? '1 window' : `${r.for} consecutive windows`;
  return `for ${w}${r.min_rows ? `, windows of ≥ ${r.min_rows} rows` : ''}`;
}
