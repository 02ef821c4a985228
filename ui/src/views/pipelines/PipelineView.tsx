// /pipelines/:name — the DAG of the latest (or ?version=) spec, coloured by
// the latest run's (or ?run=) step states; the runs; triggers; "Start run".
import { useEffect, useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { Badge, ErrorBox, Loading, PageHeader, Section } from '../../components/common';
import { api } from '../../lib/api';
import { navigate, setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { Dag } from './Dag';
import { RunsTable } from './RunsTable';
import { StartRunDialog } from './StartRunDialog';
import { TriggersList } from './Triggers';
import { isEnded } from './timing';
import type { PipelineDetail, PipelineRun } from './types';
import './pipelines.css';

export function PipelineView({ params, query }: ViewProps) {
  const name = params.name;
  const version = query.get('version');
  const chosenRun = query.get('run');
  const path = `/api/v1/pipelines/${encodeURIComponent(name)}`;
  const detail = useApi((s) => api.get<PipelineDetail>(path, { version }, s), [name, version]);
  const runs = useApi((s) => api.get<{ runs: PipelineRun[] }>(`${path}/runs`, { limit: 100 }, s), [name]);
  const list = runs.data?.runs ?? [];
  const listed = chosenRun ? list.find((r) => r.run_id === chosenRun) : list[0];
  const extra = useApi(
    (s) => api.get<{ run: PipelineRun }>(`/api/v1/pipeline-runs/${encodeURIComponent(chosenRun ?? '')}`, undefined, s),
    [chosenRun],
    { skip: !chosenRun || !!listed || !runs.data },
  );
  const shown = listed ?? (chosenRun ? extra.data?.run : undefined);
  const [starting, setStarting] = useState(false);
  const [started, setStarted] = useState<PipelineRun | undefined>();

  // Poll while a run is queued or running.
  const active = list.some((r) => !isEnded(r.state));
  useEffect(() => {
    if (!active) return;
    const t = window.setTimeout(runs.reload, 2000);
    return () => window.clearTimeout(t);
  }, [active, runs.data, runs.error]); // an error keeps the poll going too

  const spec = detail.data?.spec;
  const latest = detail.data?.latest_version ?? 0;
  const versions = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <div>
      <PageHeader
        title={name}
        sub={
          <>
            <a href="/pipelines">Pipelines</a>
            {spec?.description ? ` · ${spec.description}` : ''}
          </>
        }
      >
        {versions.length > 1 && (
          <label>
            Version{' '}
            <select data-testid="version-select" value={String(detail.data?.version ?? '')} onChange={(e) => setQuery({ version: (e.target as HTMLSelectElement).value === String(latest) ? null : (e.target as HTMLSelectElement).value })}>
              {versions.map((v) => (
                <option key={v} value={String(v)}>
                  v{v}
                  {v === latest ? ' (latest)' : ''}
                </option>
              ))}
            </select>
          </label>
        )}
        <button class="primary" data-testid="start-run" onClick={() => setStarting(true)}>
          Start run
        </button>
      </PageHeader>
      {starting && (
        <StartRunDialog
          pipeline={name}
          defaults={spec?.params ?? {}}
          onCancel={() => setStarting(false)}
          onStarted={(run) => {
            setStarting(false);
            setStarted(run);
            runs.reload();
          }}
        />
      )}
      {started && (
        <div class="notice" role="status" data-testid="started">
          Started run <a href={`/pipeline-runs/${encodeURIComponent(started.run_id)}`}>{started.run_id}</a> ({started.state}).
        </div>
      )}
      <ErrorBox error={detail.error} title={`Could not load pipeline ${name}`} />
      {detail.loading && !detail.data && <Loading what="the pipeline" />}
      {detail.data && (
        <Section
          title={
            <>
              Graph of v{detail.data.version}{' '}
              {shown ? (
                <span class="muted">
                  · states of run <a href={`/pipeline-runs/${encodeURIComponent(shown.run_id)}`}>{shown.run_id.slice(0, 12)}</a>{' '}
                  <Badge value={shown.state} />
                  {shown.version !== detail.data.version ? ` (a run of v${shown.version})` : ''}
                </span>
              ) : (
                <span class="muted">· no run yet</span>
              )}
            </>
          }
          testid="graph"
        >
          <ErrorBox error={extra.error} title={`Could not load run ${chosenRun}`} />
          {!spec && <ErrorBox error={new Error('the stored file of this version no longer parses; its steps cannot be drawn')} title="No graph" />}
          {spec && (
            <Dag
              steps={spec.steps}
              runSteps={shown?.steps}
              onSelect={(step) =>
                shown ? navigate(`/pipeline-runs/${encodeURIComponent(shown.run_id)}?step=${encodeURIComponent(step)}`) : undefined
              }
            />
          )}
        </Section>
      )}
      <Section title={`Runs${list.length ? ` (${list.length}${list.length >= 100 ? ', newest 100' : ''})` : ''}`} testid="runs">
        <ErrorBox error={runs.error} title="Could not load the runs" />
        {runs.loading && !runs.data && <Loading what="runs" />}
        {runs.data && <RunsTable runs={list} pipeline={name} shown={shown?.run_id} onShow={(id) => setQuery({ run: id })} now={Date.now()} />}
      </Section>
      {spec && (
        <div class="grid2">
          <Section title="Triggers">
            <TriggersList spec={spec} next={detail.data?.next_schedule_time ?? null} />
          </Section>
          <Section title="Params (defaults)">
            {Object.keys(spec.params ?? {}).length ? (
              <table class="kv" data-testid="params">
                <tbody>
                  {Object.entries(spec.params).map(([k, v]) => (
                    <tr key={k}>
                      <th class="mono">{k}</th>
                      <td class="mono">{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p class="muted">No params.</p>
            )}
          </Section>
        </div>
      )}
      {detail.data && (
        <Section title={`File (v${detail.data.version}, digest ${detail.data.digest.slice(0, 12)})`}>
          <details>
            <summary>Show the YAML</summary>
            <pre class="yaml" data-testid="yaml">
              {detail.data.yaml}
            </pre>
          </details>
          <p class="muted">
            Workspace <code>{detail.data.workspace}</code>. A changed file applied with <code>ferry pipeline apply</code> becomes a new version.
          </p>
        </Section>
      )}
    </div>
  );
}
