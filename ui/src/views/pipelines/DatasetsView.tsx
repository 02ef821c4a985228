// /datasets — every dataset: versions, the latest version, its digest,
// files, size and rows (from the latest version's profile).
import type { ViewProps } from '../../App';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/common';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { profileSummary, type ProfileSummary } from './datasets';
import { VersionCells } from './VersionCells';
import type { DatasetDetail, DatasetVersion } from './types';
import './pipelines.css';

interface Row {
  latest: DatasetVersion;
  count?: number;
  profile?: ProfileSummary;
  error?: Error;
}

const ENRICH = 50; // datasets whose version count and rows are read

async function load(signal: AbortSignal): Promise<Row[]> {
  const { datasets } = await api.get<{ datasets: DatasetVersion[] }>('/api/v1/datasets', undefined, signal);
  return Promise.all(
    datasets.map(async (latest, i): Promise<Row> => {
      if (i >= ENRICH) return { latest };
      const path = `/api/v1/datasets/${encodeURIComponent(latest.name)}`;
      const [versions, detail] = await Promise.allSettled([
        api.get<{ versions: DatasetVersion[] }>(`${path}/versions`, undefined, signal),
        api.get<{ dataset: DatasetDetail }>(`${path}/versions/${latest.version}`, undefined, signal),
      ]);
      return {
        latest,
        count: versions.status === 'fulfilled' ? versions.value.versions.length : undefined,
        profile: detail.status === 'fulfilled' ? profileSummary(detail.value.dataset.profile) : undefined,
        error: versions.status === 'rejected' ? (versions.reason as Error) : detail.status === 'rejected' ? (detail.reason as Error) : undefined,
      };
    }),
  );
}

export function DatasetsView(_: ViewProps) {
  const { data, error, loading } = useApi(load, []);
  return (
    <div>
      <PageHeader title="Datasets" sub="Content-addressed dataset versions with profiles" />
      <ErrorBox error={error} title="Could not load the datasets" />
      {loading && !data && <Loading what="datasets" />}
      {data && !data.length && (
        <Empty title="No datasets yet">
          <p>Register a file or folder (read by the server) as a version:</p>
          <pre>ferry datasets register NAME path/to/data/ --description "what it is"</pre>
          <p>
            or from Python: <code>ferry.Client().register_dataset("NAME", "path/")</code>.
          </p>
        </Empty>
      )}
      {data && data.length > 0 && (
        <div class="scroll-x">
          <table class="data" data-testid="datasets-table">
            <thead>
              <tr>
                <th>Dataset</th>
                <th class="num">Versions</th>
                <th class="num">Latest</th>
                <th>Digest</th>
                <th>Created</th>
                <th class="num">Files</th>
                <th class="num">Size</th>
                <th class="num">Rows</th>
                <th class="num">Columns</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ latest, count, profile, error: e }) => (
                <tr key={latest.name} data-dataset={latest.name}>
                  <td>
                    <a href={`/datasets/${encodeURIComponent(latest.name)}`}>{latest.name}</a>
                  </td>
                  <td class="num">{count ?? ''}</td>
                  <td class="num">v{latest.version}</td>
                  <VersionCells version={latest} profile={profile} />
                  <td class="wrap muted">
                    {latest.description}
                    {e && <div class="muted">could not read more: {e.message}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
