// Gated promotion: evaluate the model's gate for a candidate against the
// alias it would take (POST .../gate/evaluate), show the evidence, then
// promote (POST .../promote); an approval (with a reason) overrides a gate
// that needs one or that failed.
import { useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { Confirm } from '../../components/Confirm';
import { Empty, ErrorBox, Section } from '../../components/common';
import { GateEvidence } from './GateEvidence';
import { apiModel, type GateResult } from './registryData';

export function PromotePanel({
  model,
  policy,
  versions,
  onChanged,
}: {
  model: string;
  policy: unknown;
  versions: string[];
  onChanged: () => void;
}) {
  const [candidate, setCandidate] = useState(versions[0] ?? '');
  const [alias, setAlias] = useState('champion');
  const [result, setResult] = useState<GateResult | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<'promote' | 'approve' | undefined>();
  const [promoted, setPromoted] = useState<GateResult | undefined>();

  if (!policy) {
    return (
      <Empty title="This model has no promotion gate">
        <p>Aliases can still be moved by hand on the Versions tab. To gate promotions on metrics, set a policy:</p>
        <pre>{`curl -X PUT ${location.origin}${apiModel(model)}/gate \\
  -d '{"policy": "{\\"compare\\": [{\\"metric\\": \\"auc\\", \\"direction\\": \\"higher\\"}]}"}'`}</pre>
      </Empty>
    );
  }
  const evaluate = async () => {
    setBusy(true);
    setError(undefined);
    setPromoted(undefined);
    try {
      setResult(await api.post<GateResult>(`${apiModel(model)}/gate/evaluate`, { candidate, champion_alias: alias.trim() }));
    } catch (e) {
      setResult(undefined);
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const promote = async (reason: string) => {
    const body: Record<string, unknown> = { candidate, alias: alias.trim(), reason };
    if (confirm === 'approve') body.approve = true;
    const r = await api.post<GateResult>(`${apiModel(model)}/promote`, body);
    setConfirm(undefined);
    setResult(r);
    if (r.promoted) {
      setPromoted(r);
      onChanged();
    } else {
      setError(new Error(`not promoted: the gate ${r.decision.passed ? 'needs an approval' : 'failed'}`));
    }
  };
  const canPromote = result && result.decision.passed && !result.decision.needs_approval;
  return (
    <Section title="Promote a version" testid="promote">
      <div class="gate-form">
        <label>
          Candidate
          <select value={candidate} data-testid="promote-candidate" onChange={(e) => { setCandidate((e.target as HTMLSelectElement).value); setResult(undefined); }}>
            {versions.map((v) => <option key={v} value={v}>v{v}</option>)}
          </select>
        </label>
        <label>
          Alias to move
          <input value={alias} data-testid="promote-alias" onInput={(e) => { setAlias((e.target as HTMLInputElement).value); setResult(undefined); }} />
        </label>
        <button class="primary" onClick={evaluate} disabled={busy || !candidate} data-testid="evaluate-gate">
          Evaluate gate
        </button>
      </div>
      <ErrorBox error={error} />
      {promoted && (
        <div class="gate-verdict ok" data-testid="promoted">Promoted: @{alias.trim()} → v{promoted.candidate}</div>
      )}
      {result && (
        <div>
          <p class="muted">
            Candidate v{result.candidate} against @{alias.trim()}
            {result.champion ? ` (v${result.champion})` : ' (no version holds it yet)'}. This evaluation is recorded in the audit log.
          </p>
          <GateEvidence decision={result.decision} />
          {!promoted && (
            <div class="row" style="margin-top:10px">
              {canPromote && (
                <button class="primary" data-testid="promote" onClick={() => setConfirm('promote')}>Promote v{result.candidate}</button>
              )}
              <button class={canPromote ? '' : 'danger'} data-testid="approve" onClick={() => setConfirm('approve')}>
                {canPromote ? 'Approve and promote' : result.decision.passed ? 'Approve and promote' : 'Override the gate and promote'}
              </button>
            </div>
          )}
        </div>
      )}
      <details style="margin-top:12px">
        <summary class="muted">Gate policy</summary>
        <pre class="log">{JSON.stringify(policy, null, 2)}</pre>
      </details>
      {confirm && result && (
        <Confirm
          title={confirm === 'approve' ? `Approve v${result.candidate} as @${alias.trim()}` : `Promote v${result.candidate} to @${alias.trim()}`}
          confirmLabel={confirm === 'approve' ? 'Approve and promote' : 'Promote'}
          needReason={confirm === 'approve'}
          onConfirm={promote}
          onCancel={() => setConfirm(undefined)}
        >
          <p>
            {confirm === 'approve' && !result.decision.passed
              ? 'The gate failed: an approval promotes anyway and is recorded with your reason.'
              : 'The alias moves now; deployments that serve it reload the new version.'}
          </p>
        </Confirm>
      )}
    </Section>
  );
}
