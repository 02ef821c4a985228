// /pipeline-runs/:id — the run's header, its DAG and steps with their states,
// the chosen step's log (?step=), cancel and resume.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { Badge, ErrorBox, KeyValues, Loading, PageHeader, Section } from '../../components/common';
import { api } from '../../lib/api';
import { fmtDuration, fmtTime } from '../../lib/format';
import { navigate, setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { Dag } from './Dag';
import { fmtParams } from './params';
import { RunActions } from './RunActions';
import { triggerText } from './RunsTable';
import { StepLog } from './StepLog';
import { StepTable } from './StepTable';
import { fmtSpan, isEnded } from './timing';
import type { PipelineDetail, PipelineRun } from './types';
import './pipelines.css';

export function PipelineRunView({ params, query }: ViewProps) {
  const id = params.id;
  const step = query.get('step');
  const loaded = useApi((s) => api.get<{ run: PipelineRun }>(`/api/v1/pipeline-runs/${encodeURIComponent(id)}`, undefined, s), [id]);
  const run = loaded.data?.run;
  const ended = isEnded(run?.state);
  // Poll while the run can still change.
  useApiPoll(!!run && !ended, loaded.reload, loaded.data, loaded.error);
  const spec = useApi(
    (s) => api.get<PipelineDetail>(`/api/v1/pipelines/${encodeURIComponent(run!.pipeline)}`, { version: run!.version }, s),
    [run?.pipeline, run?.version],
    { skip: !run },
  );
  const now = Date.now();
  const select = (s: string) => setQuery({ step: s === step ? null : s }, false);
  const chosen = run?.steps.find((s) => s.step === step);

  return (
    <div>
      <PageHeader
        title={
          <>
            Run <span class="mono">{id.slice(0, 12)}</span> {run && <Badge value={run.state} />}
          </>
        }
        sub={
          run ? (
            <>
              <a href="/pipelines">Pipelines</a> / <a href={`/pipelines/${encodeURIComponent(run.pipeline)}`}>{run.pipeline}</a> v{run.version}
            </>
          ) : (
            <a href="/pipelines">Pipelines</a>
          )
        }
      >
        {run && (
          <RunActions
            run={run}
            onCancelled={loaded.reload}
            onResumed={(r) => navigate(`/pipeline-runs/${encodeURIComponent(r.run_id)}`)}
          />
        )}
      </PageHeader>
      <ErrorBox error={loaded.error} title={`Could not load pipeline run ${id}`} />
      {loaded.loading && !run && <Loading what="the run" />}
      {run && (
        <>
          <Section title="Run" testid="run-header">
            <KeyValues
              testid="run-kv"
              rows={[
                ['Run id', <span class="mono">{run.run_id}</span>],
                ['State', <Badge value={run.state} />],
                ['Trigger', triggerText(run.trigger)],
                ['Params', <span class="mono">{fmtParams(run.params) || '(defaults)'}</span>],
                ['Created', fmtTime(run.created_time)],
                ['Started', fmtTime(run.start_time)],
                ['Ended', fmtTime(run.end_time)],
                ['Duration', fmtSpan(run.start_time, run.end_time, now, fmtDuration)],
                [
                  'Tracked run',
                  run.tracking_run_id ? (
                    <a data-testid="tracked-run" href={`/runs/${encodeURIComponent(run.tracking_run_id)}`}>
                      {run.tracking_run_id}
                    </a>
                  ) : (
                    ''
                  ),
                ],
                ...(run.resumed_from
                  ? ([['Resumed from', <a href={`/pipeline-runs/${encodeURIComponent(run.resumed_from)}`}>{run.resumed_from}</a>]] as [string, ComponentChildren][])
                  : []),
              ]}
            />
            {run.error && (
              <pre class="log" data-testid="run-error">
                {run.error}
              </pre>
            )}
          </Section>
          <Section title="Graph" testid="graph">
            <ErrorBox error={spec.error} title="Could not load the pipeline's steps (drawn without arrows)" />
            <Dag steps={spec.data?.spec?.steps ?? []} runSteps={run.steps} selected={step} onSelect={select} />
          </Section>
          <Section title="Steps" testid="steps">
            <StepTable steps={run.steps} selected={step} onSelect={select} now={now} />
          </Section>
          {step && (
            <Section
              title={
                <>
                  Log of <span class="mono">{step}</span> {chosen && <Badge value={chosen.state} />}
                </>
              }
              testid="log-section"
            >
              {chosen ? <StepLog runId={run.run_id} step={step} /> : <ErrorBox error={new Error(`this run has no step '${step}'`)} title="No such step" />}
            </Section>
          )}
          {!step && <p class="muted">Click a step (a box or a row) to read its log.</p>}
        </>
      )}
    </div>
  );
}

function useApiPoll(on: boolean, reload: () => void, data: unknown, error?: unknown) {
  useEffect(() => {
    if (!on) return;
    const t = window.setTimeout(reload, 1500);
    return () => window.clearTimeout(t);
  }, [on, data, error]); // an error keeps the poll going too
}
