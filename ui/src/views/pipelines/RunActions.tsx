// Cancel (queued/running) and resume (failed/cancelled) a pipeline run, each
// behind a Confirm dialog that shows the server's refusal.
import { useState } from 'preact/hooks';
import { Confirm } from '../../components/Confirm';
import { api } from '../../lib/api';
import { canCancel, canResume } from './timing';
import type { PipelineRun } from './types';

export function RunActions({ run, onCancelled, onResumed }: { run: PipelineRun; onCancelled: () => void; onResumed: (r: PipelineRun) => void }) {
  const [asking, setAsking] = useState<'cancel' | 'resume' | null>(null);
  const base = `/api/v1/pipeline-runs/${encodeURIComponent(run.run_id)}`;
  return (
    <>
      {canCancel(run.state) && (
        <button class="danger" data-testid="cancel-run" onClick={() => setAsking('cancel')}>
          Cancel run
        </button>
      )}
      {canResume(run.state) && (
        <button class="primary" data-testid="resume-run" onClick={() => setAsking('resume')}>
          Resume
        </button>
      )}
      {asking === 'cancel' && (
        <Confirm
          title="Cancel this run?"
          confirmLabel="Cancel run"
          onCancel={() => setAsking(null)}
          onConfirm={async () => {
            await api.post(`${base}/cancel`);
            setAsking(null);
            onCancelled();
          }}
        >
          <p>
            The running steps of <code>{run.run_id}</code> are stopped and the run ends <strong>cancelled</strong>. It can be resumed later.
          </p>
        </Confirm>
      )}
      {asking === 'resume' && (
        <Confirm
          title="Resume this run?"
          confirmLabel="Resume"
          onCancel={() => setAsking(null)}
          onConfirm={async () => {
            const res = await api.post<{ run: PipelineRun }>(`${base}/resume`);
            setAsking(null);
            onResumed(res.run);
          }}
        >
          <p>
            A new run of <code>{run.pipeline}</code> starts with the same params; the steps this run completed are reused (state{' '}
            <em>cached</em>, marked <em>reused</em>), the rest run again.
          </p>
        </Confirm>
      )}
    </>
  );
}
