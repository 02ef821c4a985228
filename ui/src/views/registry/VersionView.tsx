// /models/:name/versions/:version: the version's details, tags, files, its
// lineage (dataset → run → version → deployments) and its audit events.
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { setQuery } from '../../lib/router';
import { fmtBytes, fmtTime } from '../../lib/format';
import { Badge, ErrorBox, KeyValues, Loading, PageHeader, Section } from '../../components/common';
import { EventsTable } from './EventsTable';
import { LineageGraph } from './LineageGraph';
import { apiModel, lineageGraph, modelPath, type Lineage, type ServingArm } from './registryData';
import type { Deployment } from '../deployments/deploymentData';
import './registry.css';

async function servingArms(signal: AbortSignal): Promise<ServingArm[]> {
  const { deployments } = await api.get<{ deployments: Deployment[] }>('/api/v1/deployments', undefined, signal);
  return deployments.flatMap((d) => d.arms.map((a) => ({ deployment: d.name, role: a.role, version: a.version, model: a.model })));
}

export function VersionView({ params, query }: ViewProps) {
  const { name, version } = params;
  const lineage = useApi(
    (signal) => api.get<Lineage>(`${apiModel(name)}/versions/${encodeURIComponent(version)}/lineage`, undefined, signal),
    [name, version],
  );
  const arms = useApi(servingArms, []);
  const l = lineage.data;
  const v = l?.model_version;
  const graph = l ? lineageGraph(l, arms.data ?? []) : undefined;
  const run = l?.run?.info;
  return (
    <div>
      <PageHeader
        title={`${name} v${version}`}
        sub={<><a href="/models">Models</a> / <a href={modelPath(name)}>{name}</a></>}
      >
        {l && l.aliases.map((a) => <span key={a} class="alias-chip" data-testid="alias-chip">@{a}</span>)}
        <a href={`${modelPath(name)}?tab=promote`} data-testid="promote-link">Promote…</a>
      </PageHeader>
      <ErrorBox error={lineage.error} />
      {lineage.loading && !l && <Loading what="version" />}
      {l && v && graph && (
        <>
          <Section title="Lineage" testid="lineage-section">
            <ErrorBox error={arms.error} title="Could not list the deployments serving this version" />
            <LineageGraph graph={graph} current="version" />
            {graph.columns.length < 4 && (
              <p class="muted">
                {l.datasets.length === 0 && 'The source run logged no dataset input (mlflow.log_input). '}
                {!graph.nodes.some((n) => n.kind === 'deployment') && arms.data && 'No deployment serves this version.'}
              </p>
            )}
          </Section>
          <div class="grid2">
            <Section title="Version" testid="version-details">
              <KeyValues rows={[
                ['Status', <Badge value={v.status} />],
                ['Stage', v.current_stage],
                ['Created', fmtTime(v.creation_timestamp)],
                ['Updated', fmtTime(v.last_updated_timestamp)],
                ['Registered by', v.user_id || '—'],
                ['Source run', v.run_id ? <a href={`/runs/${encodeURIComponent(v.run_id)}`}>{run?.run_name ? `${run.run_name} (${v.run_id.slice(0, 12)})` : v.run_id}</a> : '—'],
                ['Storage', <code>{v.source}</code>],
                ...(v.status_message ? [['Status message', v.status_message] as [string, string]] : []),
                ...(v.description ? [['Description', v.description] as [string, string]] : []),
                ...(l.code_version ? [['Code version', <code>{l.code_version}</code>] as [string, preact.ComponentChildren]] : []),
              ]} />
            </Section>
            <Section title="Tags" testid="version-tags">
              {v.tags.length === 0 ? <p class="muted">No tags. Set one with <code>MlflowClient().set_model_version_tag("{name}", "{version}", key, value)</code>.</p> : (
                <KeyValues rows={v.tags.map((t) => [t.key, t.value])} />
              )}
            </Section>
          </div>
          <Section title={`Files (${l.files.length})`} testid="version-files">
            <div class="scroll-x">
              <table class="data">
                <thead><tr><th>Path</th><th class="num">Size</th><th>SHA-256</th></tr></thead>
                <tbody>
                  {l.files.slice(0, 200).map((f) => (
                    <tr key={f.path}><td>{f.path}</td><td class="num">{fmtBytes(f.size)}</td><td class="mono muted">{f.sha256.slice(0, 16)}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
            {l.files.length > 200 && <p class="muted">First 200 of {l.files.length} files.</p>}
          </Section>
          <EventsTable model={name} version={version} action={query.get('action') ?? ''} onAction={(a) => setQuery({ action: a || null })} />
        </>
      )}
    </div>
  );
}
