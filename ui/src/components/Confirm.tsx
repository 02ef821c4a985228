// A confirmation dialog that asks for a reason: used for every action that
// changes the registry or traffic (alias moves, approvals, rollbacks).
import { useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export function Confirm({
  title,
  children,
  confirmLabel,
  needReason,
  onConfirm,
  onCancel,
}: {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  needReason?: boolean;
  onConfirm: (reason: string) => Promise<void> | void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const submit = async () => {
    if (needReason && !reason.trim()) {
      setError('a reason is required');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm(reason.trim());
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <div class="modal-backdrop" onClick={onCancel}>
      <div class="modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        {children}
        {needReason !== undefined && (
          <label class="field">
            Reason{needReason ? '' : ' (optional)'}
            <textarea name="reason" value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
        )}
        {error && (
          <div class="error-box" role="alert" data-testid="error">
            {error}
          </div>
        )}
        <div class="modal-actions">
          <button onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button class="primary" data-testid="confirm" onClick={submit} disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
