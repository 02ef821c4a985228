// /runs/:id — one run: overview (params, latest metrics, tags, datasets,
// nested runs), metric charts of the full history, and the artifacts
// browser. ?tab=overview|charts|artifacts, ?path= for the artifact shown.
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { fmtDuration, fmtTime } from '../../lib/format';
import { setQuery } from '../../lib/router';
import { toRun, type RunJson } from '../../lib/runs';
import { useApi } from '../../lib/useApi';
import { Badge, ErrorBox, KeyValues, Loading, PageHeader, Tabs } from '../../components/common';
import { RunOverview } from './RunOverview';
import { RunCharts } from './RunCharts';
import { Artifacts } from './Artifacts';
import './runs.css';

export function RunView({ params, query }: ViewProps) {
  const id = params.id;
  const tab = query.get('tab') ?? 'overview';
  const loaded = useApi((s) => api.get<{ run: RunJson }>(`/api/v1/runs/${encodeURIComponent(id)}`, undefined, s), [id]);
  if (loaded.error) return <ErrorBox error={loaded.error} title={`Run ${id}`} />;
  if (!loaded.data) return <Loading what="the run" />;
  const run = toRun(loaded.data.run);
  const git = run.tags['mlflow.source.git.commit'];
  return (
    <div>
      <PageHeader
        title={
          <span>
            {run.name} <Badge value={run.status} />
          </span>
        }
        sub={
          <span>
            <a href={`/experiments/${run.experimentId}`}>experiment {run.experimentId}</a> · run <span class="mono">{run.id}</span>
            {run.parentId && (
              <>
                {' '}
                · child of <a href={`/runs/${run.parentId}`}>{run.parentId.slice(0, 8)}</a>
              </>
            )}
          </span>
        }
      >
        <a href={`/compare?runs=${run.id}`}>
          <button>Compare…</button>
        </a>
      </PageHeader>
      <div class="section">
        <KeyValues
          testid="run-info"
          rows={[
            ['Started', fmtTime(run.start)],
            ['Ended', fmtTime(run.end)],
            ['Duration', run.end && run.start ? fmtDuration(run.end - run.start) : run.status === 'RUNNING' ? 'running' : ''],
            ['User', run.user],
            ['Source', run.tags['mlflow.source.name'] ?? ''],
            ['Git commit', git ? <span class="mono">{git}</span> : ''],
          ].filter(([, v]) => v !== '') as [string, string][]}
        />
      </div>
      <Tabs
        tabs={[
          ['overview', 'Overview'],
          ['charts', `Charts (${Object.keys(run.metrics).length})`],
          ['artifacts', 'Artifacts'],
        ]}
        active={tab}
        onSelect={(t) => setQuery({ tab: t === 'overview' ? null : t, path: null }, false)}
      />
      {tab === 'overview' && <RunOverview run={run} />}
      {tab === 'charts' && <RunCharts run={run} query={query} />}
      {tab === 'artifacts' && <Artifacts runId={run.id} path={query.get('path') ?? ''} />}
    </div>
  );
}
