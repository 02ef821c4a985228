// A run's params, latest metrics, tags, dataset inputs and nested runs.
import { fmtNumber } from '../../lib/format';
import { toRun, type Run } from '../../lib/runs';
import { fetchChildren } from './RunsTable';
import { useApi } from '../../lib/useApi';
import { Badge, Section } from '../../components/common';

function Pairs({ rows, testid, empty }: { rows: [string, string][]; testid: string; empty: string }) {
  if (!rows.length) return <p class="muted">{empty}</p>;
  return (
    <div class="scroll-x">
      <table class="data" data-testid={testid}>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th>{k}</th>
              <td class="mono" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                {v}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RunOverview({ run }: { run: Run }) {
  const children = useApi((s) => fetchChildren({ experimentIds: [run.experimentId], order: null }, run.id, 200, s), [run.id]);
  const metrics = Object.entries(run.metrics).sort(([a], [b]) => a.localeCompare(b));
  const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
  const tags = Object.entries(run.tags)
    .filter(([k]) => !k.startsWith('mlflow.') || k === 'mlflow.source.name' || k === 'mlflow.user')
    .sort(([a], [b]) => a.localeCompare(b));
  const datasets = run.raw.inputs?.dataset_inputs ?? [];
  const kids = (children.data?.runs ?? []).map(toRun);
  return (
    <div class="grid2">
      <Section title={`Parameters (${params.length})`}>
        <Pairs rows={params} testid="params" empty="No parameters logged." />
      </Section>
      <Section title={`Metrics (${metrics.length})`}>
        <Pairs rows={metrics.map(([k, v]) => [k, fmtNumber(v, 6)])} testid="metrics" empty="No metrics logged." />
      </Section>
      <Section title={`Tags (${tags.length})`}>
        <Pairs rows={tags} testid="tags" empty="No tags." />
      </Section>
      {datasets.length > 0 && (
        <Section title="Datasets">
          <table class="data" data-testid="datasets">
            <tbody>
              {datasets.map((d) => (
                <tr key={d.dataset.name + d.dataset.digest}>
                  <td>
                    <a href={`/datasets/${encodeURIComponent(d.dataset.name)}`}>{d.dataset.name}</a>
                  </td>
                  <td class="mono">{d.dataset.digest}</td>
                  <td class="muted">{d.dataset.source_type}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
      {kids.length > 0 && (
        <Section title={`Nested runs (${children.data?.total})`}>
          <table class="data" data-testid="children">
            <tbody>
              {kids.map((k) => (
                <tr key={k.id}>
                  <td>
                    <a href={`/runs/${k.id}`}>{k.name}</a>
                  </td>
                  <td>
                    <Badge value={k.status} />
                  </td>
                  <td class="muted">
                    {Object.entries(k.metrics)
                      .slice(0, 3)
                      .map(([m, v]) => `${m}=${fmtNumber(v)}`)
                      .join(' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}
    </div>
  );
}
