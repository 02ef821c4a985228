// /experiments — every experiment, searchable by name.
import { useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { containsPattern } from '../../lib/filter';
import { fmtTime } from '../../lib/format';
import { setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/common';

interface Experiment {
  experiment_id: string;
  name: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: { key: string; value: string }[];
}

export function ExperimentsView({ query }: ViewProps) {
  const find = query.get('q') ?? '';
  const [draft, setDraft] = useState(find);
  const filter = find ? `name ILIKE ${containsPattern(find)}` : '';
  const list = useApi((s) => api.get<{ experiments: Experiment[]; next_page_token?: string }>('/api/v1/experiments', { filter }, s), [filter]);
  const exps = list.data?.experiments ?? [];
  return (
    <div>
      <PageHeader title="Experiments" sub="Runs grouped by experiment; open one to see its runs table." />
      <form
        class="row"
        style={{ marginBottom: 10 }}
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ q: draft.trim() || null });
        }}
      >
        <input placeholder="find by name" value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} data-testid="experiment-search" />
        <button type="submit">Find</button>
      </form>
      <ErrorBox error={list.error} />
      {list.loading && !list.data && <Loading what="experiments" />}
      {list.data && exps.length === 0 && (
        <Empty title={find ? 'No experiment matches' : 'No experiments yet'}>
          <p>Point the mlflow client at this server and log a run:</p>
          <pre>{`export MLFLOW_TRACKING_URI=${location.origin}\npython -c "import mlflow; mlflow.set_experiment('demo')\nwith mlflow.start_run(): mlflow.log_metric('auc', 0.9)"`}</pre>
          <p>or run the whole loop with <code>ferry quickstart</code>.</p>
        </Empty>
      )}
      {exps.length > 0 && (
        <div class="section scroll-x">
          <table class="data" data-testid="experiments">
            <thead>
              <tr>
                <th>Name</th>
                <th>ID</th>
                <th>Created</th>
                <th>Updated</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {exps.map((e) => (
                <tr key={e.experiment_id}>
                  <td>
                    <a href={`/experiments/${e.experiment_id}`}>{e.name}</a>
                  </td>
                  <td class="mono">{e.experiment_id}</td>
                  <td>{fmtTime(e.creation_time)}</td>
                  <td>{fmtTime(e.last_update_time)}</td>
                  <td class="muted">
                    {(e.tags ?? [])
                      .filter((t) => !t.key.startsWith('mlflow.'))
                      .map((t) => `${t.key}=${t.value}`)
                      .join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data?.next_page_token && <p class="muted">The first {exps.length.toLocaleString()} experiments are shown; find one by name to see the others.</p>}
        </div>
      )}
    </div>
  );
}
