// /experiments/:id — the runs table: chosen metric/param/tag columns, sort
// by any column, MLflow's filter grammar (errors shown under the box),
// virtual scrolling over every run, nested runs under their parents.
// View state lives in the URL: ?filter=&order=&cols=&flat=1.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { navigate, setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { decodeColumns, defaultColumns, encodeColumns, orderBy, parseOrder, type Column } from '../../lib/runs';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/common';
import { ColumnPicker } from './ColumnPicker';
import { countRuns, fetchPage, PAGE, RunsTable, type Query } from './RunsTable';
import './runs.css';

interface Keys {
  metrics: string[];
  params: string[];
  tags: string[];
}

export function RunsView({ params, query }: ViewProps) {
  const id = params.id;
  const filter = query.get('filter') ?? '';
  const order = query.get('order');
  const nested = query.get('flat') !== '1' && filter === '';
  const [draft, setDraft] = useState(filter);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => setDraft(filter), [filter]);

  const exp = useApi((s) => api.get<{ experiment: { name: string; experiment_id: string } }>(`/api/v1/experiments/${encodeURIComponent(id)}`, undefined, s), [id]);
  const keys = useApi((s) => api.get<Keys>(`/api/v1/experiments/${encodeURIComponent(id)}/keys`, undefined, s), [id]);
  const q: Query = useMemo(() => ({ experimentIds: [id], filter, order, nested }), [id, filter, order, nested]);
  // The first page is drawn as soon as it arrives; the total (a count over
  // every match, the slower query) follows in its own request.
  const first = useApi((s) => fetchPage(q, 0, s, false), [q]);
  const count = useApi((s) => countRuns(q, s), [q]);
  const total = count.data ?? (first.data && first.data.runs.length < PAGE ? first.data.runs.length : undefined);

  const columns: Column[] = decodeColumns(query.get('cols')) ?? (keys.data ? defaultColumns(keys.data) : []);
  const setColumns = (cols: Column[]) => setQuery({ cols: encodeColumns(cols) });
  const sort = (c: Column) => {
    const cur = parseOrder(order);
    const same = cur && cur.col.kind === c.kind && cur.col.key === c.key;
    setQuery({ order: orderBy(c, same ? !cur!.ascending : false) });
  };
  const toggle = (rid: string) =>
    setSelected((old) => {
      const s = new Set(old);
      if (s.has(rid)) s.delete(rid);
      else s.add(rid);
      return s;
    });

  const filterError = first.error && first.error.message;
  return (
    <div>
      <PageHeader
        title={exp.data?.experiment.name ?? `Experiment ${id}`}
        sub={
          <span>
            experiment {id} ·{' '}
            <span data-testid="runs-total">{total !== undefined ? `${total.toLocaleString()} ${nested ? 'top-level runs' : 'runs'}` : '…'}</span>
          </span>
        }
      >
        <button class="primary" data-testid="compare" disabled={selected.size < 1} onClick={() => navigate(`/compare?runs=${[...selected].join(',')}`)}>
          Compare ({selected.size})
        </button>
      </PageHeader>
      <ErrorBox error={exp.error} />
      <div class="row toolbar">
        <form
          class="filter"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery({ filter: draft.trim() || null });
          }}
        >
          <input
            name="filter"
            data-testid="filter"
            class={filterError ? 'invalid' : ''}
            placeholder={"metrics.auc > 0.8 and params.optimizer = 'adam'"}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
          />
          <button type="submit">Search</button>
          {filter && (
            <button type="button" onClick={() => setQuery({ filter: null })}>
              Clear
            </button>
          )}
        </form>
        {keys.data && <ColumnPicker keys={keys.data} columns={columns} onChange={setColumns} />}
        <label class="muted">
          <input type="checkbox" checked={query.get('flat') === '1'} onChange={(e) => setQuery({ flat: (e.target as HTMLInputElement).checked ? '1' : null })} /> flat
          list
        </label>
      </div>
      {filterError && (
        <div class="error-box" role="alert" data-testid="filter-error">
          {filterError}
        </div>
      )}
      {first.loading && !first.data && <Loading what="runs" />}
      {first.data && first.data.runs.length === 0 && !filter && (
        <Empty title="No runs in this experiment yet">
          <p>Log one from Python with the mlflow client:</p>
          <pre>{`export MLFLOW_TRACKING_URI=${location.origin}\npython -c "import mlflow; mlflow.set_experiment('${exp.data?.experiment.name ?? 'demo'}')\nwith mlflow.start_run(): mlflow.log_metric('auc', 0.9)"`}</pre>
        </Empty>
      )}
      {first.data && first.data.runs.length === 0 && filter && <Empty title="No run matches this filter" />}
      {first.data && first.data.runs.length > 0 && !first.error && (
        <RunsTable query={q} first={first.data} total={total ?? first.data.runs.length} columns={columns} selected={selected} onToggle={toggle} onSort={sort} />
      )}
    </div>
  );
}
