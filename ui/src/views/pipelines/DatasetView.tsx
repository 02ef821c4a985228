// /datasets/:name — the versions (?version= picks the one whose files and
// profile are shown) and the diff of two versions (?from=&to=).
import type { ViewProps } from '../../App';
import { Empty, ErrorBox, Loading, PageHeader, Section } from '../../components/common';
import { api } from '../../lib/api';
import { setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { DatasetDiffView } from './DatasetDiffView';
import { diffPair, profileSummary, type ProfileSummary } from './datasets';
import { VersionCells } from './VersionCells';
import { VersionDetail } from './VersionDetail';
import type { DatasetDetail, DatasetVersion } from './types';
import './pipelines.css';

const PROFILED = 20; // newest versions whose row/column counts are read for the table

async function loadVersions(name: string, signal: AbortSignal) {
  const path = `/api/v1/datasets/${encodeURIComponent(name)}`;
  const { versions } = await api.get<{ versions: DatasetVersion[] }>(`${path}/versions`, undefined, signal);
  const summaries = await Promise.all(
    versions.slice(0, PROFILED).map((v) =>
      api
        .get<{ dataset: DatasetDetail }>(`${path}/versions/${v.version}`, undefined, signal)
        .then((d) => profileSummary(d.dataset.profile))
        .catch((): ProfileSummary | undefined => undefined),
    ),
  );
  return { versions, summaries };
}

export function DatasetView({ params, query }: ViewProps) {
  const name = params.name;
  const { data, error, loading } = useApi((s) => loadVersions(name, s), [name]);
  const versions = data?.versions ?? [];
  const chosen = query.get('version') ?? (versions[0] ? String(versions[0].version) : null);
  const pair = diffPair(versions, query.get('from'), query.get('to'));
  const pick = (k: 'from' | 'to', v: string) => pair && setQuery({ from: String(pair.from), to: String(pair.to), [k]: v });
  return (
    <div>
      <PageHeader
        title={name}
        sub={
          <>
            <a href="/datasets">Datasets</a>
            {versions[0]?.description ? ` · ${versions[0].description}` : ''}
          </>
        }
      />
      <ErrorBox error={error} title={`Could not load dataset ${name}`} />
      {loading && !data && <Loading what="versions" />}
      {data && !versions.length && (
        <Empty title="No versions">
          <pre>ferry datasets register {name} path/to/data/</pre>
        </Empty>
      )}
      {versions.length > 0 && (
        <Section title={`Versions (${versions.length})`} testid="versions">
          <div class="scroll-x">
            <table class="data" data-testid="versions-table">
              <thead>
                <tr>
                  <th>Version</th>
                  <th>Digest</th>
                  <th>Created</th>
                  <th class="num">Files</th>
                  <th class="num">Size</th>
                  <th class="num">Rows</th>
                  <th class="num">Columns</th>
                  <th>Description</th>
                  <th>Source</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v, i) => {
                  const p = data!.summaries[i];
                  return (
                    <tr
                      key={v.version}
                      data-version={v.version}
                      class={`clickable${chosen === String(v.version) ? ' selected' : ''}`}
                      onClick={() => setQuery({ version: String(v.version) }, false)}
                    >
                      <td>
                        <a href={`/datasets/${encodeURIComponent(name)}?version=${v.version}`}>v{v.version}</a>
                      </td>
                      <VersionCells version={v} profile={p} />
                      <td class="wrap">{v.description}</td>
                      <td class="mono wrap">{v.source}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </Section>
      )}
      {pair && (
        <Section
          testid="diff-section"
          title={
            <span class="row">
              Compare
              <select aria-label="from version" data-testid="diff-from" value={String(pair.from)} onChange={(e) => pick('from', (e.target as HTMLSelectElement).value)}>
                {versions.map((v) => (
                  <option key={v.version} value={String(v.version)}>
                    v{v.version}
                  </option>
                ))}
              </select>
              →
              <select aria-label="to version" data-testid="diff-to" value={String(pair.to)} onChange={(e) => pick('to', (e.target as HTMLSelectElement).value)}>
                {versions.map((v) => (
                  <option key={v.version} value={String(v.version)}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </span>
          }
        >
          <DatasetDiffView name={name} from={pair.from} to={pair.to} />
        </Section>
      )}
      {versions.length === 1 && <p class="muted">Register a second version to compare versions.</p>}
      {chosen && versions.length > 0 && (
        <Section title={`Version ${chosen}`} testid="version-section">
          <VersionDetail name={name} version={chosen} />
        </Section>
      )}
    </div>
  );
}
