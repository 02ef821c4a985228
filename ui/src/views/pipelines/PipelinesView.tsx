// /pipelines — every pipeline with its latest version, triggers (schedule,
// on: events), and its last run's state and time.
import type { ViewProps } from '../../App';
import { Badge, Empty, ErrorBox, Loading, PageHeader } from '../../components/common';
import { api } from '../../lib/api';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/useApi';
import { triggerSummary } from './Triggers';
import { ago } from './timing';
import type { PipelineDetail, PipelineInfo, PipelineRun } from './types';
import './pipelines.css';

interface Row {
  info: PipelineInfo;
  detail?: PipelineDetail;
  detailError?: Error;
  last?: PipelineRun;
}

// The list has no triggers or last run: each pipeline's spec and newest run are read too.
async function load(signal: AbortSignal): Promise<Row[]> {
  const { pipelines } = await api.get<{ pipelines: PipelineInfo[] }>('/api/v1/pipelines', undefined, signal);
  return Promise.all(
    pipelines.map(async (info): Promise<Row> => {
      const path = `/api/v1/pipelines/${encodeURIComponent(info.name)}`;
      const [detail, runs] = await Promise.allSettled([
        api.get<PipelineDetail>(path, undefined, signal),
        api.get<{ runs: PipelineRun[] }>(`${path}/runs`, { limit: 1 }, signal),
      ]);
      return {
        info,
        detail: detail.status === 'fulfilled' ? detail.value : undefined,
        detailError: detail.status === 'rejected' ? (detail.reason as Error) : runs.status === 'rejected' ? (runs.reason as Error) : undefined,
        last: runs.status === 'fulfilled' ? runs.value.runs[0] : undefined,
      };
    }),
  );
}

export function PipelinesView(_: ViewProps) {
  const { data, error, loading } = useApi(load, [], { pollMs: 15000 });
  const now = Date.now();
  return (
    <div>
      <PageHeader title="Pipelines" sub="Stored pipeline files, their triggers and their latest runs" />
      <ErrorBox error={error} title="Could not load the pipelines" />
      {loading && !data && <Loading what="pipelines" />}
      {data && !data.length && (
        <Empty title="No pipelines yet">
          <p>Write a pipeline file (steps with needs) and store it on the server:</p>
          <pre>ferry pipeline apply pipeline.yaml{'\n'}ferry pipeline start NAME --follow</pre>
          <p>
            or from Python: <code>ferry.Client().apply_pipeline("pipeline.yaml")</code>. See docs/pipelines.md.
          </p>
        </Empty>
      )}
      {data && data.length > 0 && (
        <div class="scroll-x">
          <table class="data" data-testid="pipelines-table">
            <thead>
              <tr>
                <th>Pipeline</th>
                <th class="num">Version</th>
                <th class="num">Steps</th>
                <th>Triggers</th>
                <th>Last run</th>
                <th>When</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ info, detail, detailError, last }) => {
                const triggers = triggerSummary(detail?.spec);
                return (
                  <tr key={info.name} data-pipeline={info.name}>
                    <td>
                      <a href={`/pipelines/${encodeURIComponent(info.name)}`}>{info.name}</a>
                    </td>
                    <td class="num">v{info.latest_version}</td>
                    <td class="num">{detail?.spec?.steps.length ?? ''}</td>
                    <td class="wrap">
                      <div class="chips">
                        {triggers.map((t) => (
                          <span key={t} class="chip">
                            {t}
                          </span>
                        ))}
                        {!triggers.length && detail && <span class="muted">manual</span>}
                      </div>
                      {info.next_schedule_time && <div class="muted">next {fmtTime(info.next_schedule_time)}</div>}
                      {detailError && <span class="muted" title={detailError.message}>could not read: {detailError.message}</span>}
                    </td>
                    <td>
                      {last ? (
                        <>
                          <Badge value={last.state} />{' '}
                          <a class="mono" href={`/pipeline-runs/${encodeURIComponent(last.run_id)}`}>
                            {last.run_id.slice(0, 8)}
                          </a>{' '}
                          <span class="muted">{last.trigger.kind}</span>
                        </>
                      ) : (
                        <span class="muted">never run</span>
                      )}
                    </td>
                    <td title={fmtTime(last?.start_time ?? last?.created_time)}>{ago(last?.start_time ?? last?.created_time, now)}</td>
                    <td class="wrap muted">{detail?.spec?.description}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
