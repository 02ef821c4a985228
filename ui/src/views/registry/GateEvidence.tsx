// A gate decision: the verdict and the evidence table (one row per rule).
import { fmtNumber } from '../../lib/format';
import type { GateDecision } from './registryData';

export function GateEvidence({ decision, testid }: { decision: GateDecision; testid?: string }) {
  return (
    <div data-testid={testid ?? 'gate-evidence'}>
      <div class={`gate-verdict ${decision.passed ? 'ok' : 'bad'}`} data-testid="gate-verdict">
        {decision.passed ? 'Gate passed' : 'Gate failed'}
        {decision.needs_approval && <span class="badge warn" style="margin-left:8px">needs approval</span>}
      </div>
      <div class="scroll-x">
        <table class="data">
          <thead>
            <tr><th>Rule</th><th>Metric</th><th class="num">Champion</th><th class="num">Challenger</th><th>Requirement</th><th>Result</th><th>Note</th></tr>
          </thead>
          <tbody>
            {decision.rows.map((r, i) => (
              <tr key={i}>
                <td>{r.rule}</td>
                <td>{r.metric}</td>
                <td class="num">{r.champion === null ? '—' : fmtNumber(r.champion)}</td>
                <td class="num">{r.challenger === null ? '—' : fmtNumber(r.challenger)}</td>
                <td>{r.requirement}</td>
                <td class={r.passed ? 'pass' : 'fail'}>{r.passed ? 'pass' : 'fail'}</td>
                <td class="muted">{r.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
