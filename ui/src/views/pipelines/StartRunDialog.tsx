// "Start run": a Confirm dialog with the pipeline's params (defaults filled
// in) and free extra params; the server's refusal is shown in the dialog.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Confirm } from '../../components/Confirm';
import { api } from '../../lib/api';
import { paramsToSend, parseExtraParams } from './params';
import type { PipelineRun } from './types';

export function StartRunDialog({
  pipeline,
  defaults,
  onStarted,
  onCancel,
}: {
  pipeline: string;
  defaults: Record<string, string>;
  onStarted: (run: PipelineRun) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({ ...defaults });
  const [extra, setExtra] = useState('');
  const names = Object.keys(defaults);
  const start = async () => {
    const parsed = parseExtraParams(extra);
    if (parsed.errors.length) throw new Error(parsed.errors.join('; '));
    const body = { params: paramsToSend(defaults, values, parsed.params) };
    const res = await api.post<{ run: PipelineRun }>(`/api/v1/pipelines/${encodeURIComponent(pipeline)}/runs`, body);
    onStarted(res.run);
  };
  return (
    <Confirm title={`Start a run of ${pipeline}`} confirmLabel="Start run" onConfirm={start} onCancel={onCancel}>
      <p class="muted">Runs on the server with these params (what the pipeline's concurrency allows: queue, skip or cancel the running one).</p>
      {names.length > 0 ? (
        <div class="params-form" data-testid="start-params">
          {names.map((k) => (
            <Fragment key={k}>
              <label for={`param-${k}`} class="mono">
                {k}
              </label>
              <input
                id={`param-${k}`}
                name={k}
                value={values[k] ?? ''}
                onInput={(e) => setValues({ ...values, [k]: (e.target as HTMLInputElement).value })}
              />
            </Fragment>
          ))}
        </div>
      ) : (
        <p class="muted">This pipeline declares no params.</p>
      )}
      <label class="field">
        Other params (name=value, one a line)
        <textarea class="extra" name="extra-params" data-testid="extra-params" value={extra} onInput={(e) => setExtra((e.target as HTMLTextAreaElement).value)} />
      </label>
    </Confirm>
  );
}
