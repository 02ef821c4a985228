// /models: registered models with their latest versions and aliases; a
// search box (the registry's own ILIKE filter, kept in ?q=) and paging.
import { useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { setQuery } from '../../lib/router';
import { fmtTime } from '../../lib/format';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/common';
import { modelPath, nameFilter, versionPath, type RegisteredModel } from './registryData';
import './registry.css';

interface Page {
  models: RegisteredModel[];
  next_page_token: string;
}

const PAGE = 50;

export function ModelsView({ query }: ViewProps) {
  const q = query.get('q') ?? '';
  const [text, setText] = useState(q);
  const [more, setMore] = useState<{ models: RegisteredModel[]; token: string } | undefined>();
  const [moreError, setMoreError] = useState<Error | undefined>();
  const { data, error, loading } = useApi(
    (signal) => api.get<Page>('/api/v1/models', { filter: nameFilter(q), max_results: PAGE, order_by: 'name ASC' }, signal),
    [q],
  );
  const models = [...(data?.models ?? []), ...(more?.models ?? [])];
  const token = more ? more.token : data?.next_page_token;
  const loadMore = async () => {
    try {
      const page = await api.get<Page>('/api/v1/models', { filter: nameFilter(q), max_results: PAGE, order_by: 'name ASC', page_token: token });
      setMore({ models: [...(more?.models ?? []), ...page.models], token: page.next_page_token });
    } catch (e) {
      setMoreError(e as Error);
    }
  };
  const search = (e: Event) => {
    e.preventDefault();
    setMore(undefined);
    setQuery({ q: text.trim() || null });
  };
  return (
    <div>
      <PageHeader title="Models" sub="Registered models, their versions and aliases">
        <form class="row" onSubmit={search} role="search">
          <input class="search-box" type="search" placeholder="Search by name" value={text} data-testid="model-search"
            onInput={(e) => setText((e.target as HTMLInputElement).value)} aria-label="Search models by name" />
          <button type="submit">Search</button>
        </form>
      </PageHeader>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="models" />}
      {data && models.length === 0 && (q ? (
        <Empty title={`No model's name contains “${q}”`}>
          <p><a href="/models">Show all models</a></p>
        </Empty>
      ) : (
        <Empty title="No registered models yet">
          <p>Register a model from a training run with the MLflow SDK:</p>
          <pre>{`import mlflow
mlflow.set_tracking_uri("${location.origin}")
with mlflow.start_run():
    mlflow.sklearn.log_model(model, "model", registered_model_name="credit")`}</pre>
          <p>or try the whole loop with <code>ferry quickstart</code>.</p>
        </Empty>
      ))}
      {models.length > 0 && (
        <div class="section scroll-x">
          <table class="data" data-testid="models-table">
            <thead>
              <tr><th>Name</th><th>Description</th><th>Latest versions</th><th>Aliases</th><th>Last updated</th></tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.name} data-testid="model-row">
                  <td><a href={modelPath(m.name)}>{m.name}</a></td>
                  <td class="wrap muted">{m.description}</td>
                  <td>
                    {(m.latest_versions ?? []).map((v) => (
                      <a key={v.version} href={versionPath(m.name, v.version)} style="margin-right:8px">v{v.version}</a>
                    ))}
                  </td>
                  <td>
                    {m.aliases.map((a) => (
                      <a key={a.alias} href={versionPath(m.name, a.version)} class="alias-chip">@{a.alias} → v{a.version}</a>
                    ))}
                  </td>
                  <td>{fmtTime(m.last_updated_timestamp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ErrorBox error={moreError} />
          {token && <button onClick={loadMore} data-testid="load-more">Load more</button>}
        </div>
      )}
    </div>
  );
}
