// A run's artifacts: a folder tree on the left, a preview on the right
// (text, CSV as a table, images), and a download link.
import { api, textPrefix } from '../../lib/api';
import { fmtBytes } from '../../lib/format';
import { setQuery } from '../../lib/router';
import { useApi } from '../../lib/useApi';
import { parseCsv, previewKind } from '../../lib/preview';
import { Empty, ErrorBox, Loading } from '../../components/common';

interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

const fileUrl = (runId: string, path: string) =>
  `/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`;

export function Artifacts({ runId, path }: { runId: string; path: string }) {
  const isFile = path !== '' && !path.endsWith('/');
  const dir = isFile ? path.split('/').slice(0, -1).join('/') : path.replace(/\/$/, '');
  const list = useApi((s) => api.get<{ files: FileInfo[] }>(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts`, { path: dir }, s), [runId, dir]);
  const files = list.data?.files ?? [];
  const parent = dir.includes('/') ? dir.split('/').slice(0, -1).join('/') + '/' : '';
  return (
    <div class="section artifacts" data-testid="artifacts">
      <div class="artifact-tree">
        <div class="muted">/{dir}</div>
        {dir && (
          <a href="#" onClick={(e) => (e.preventDefault(), setQuery({ path: parent || null }))}>
            ..
          </a>
        )}
        <ErrorBox error={list.error} />
        {list.loading && !list.data && <Loading />}
        {list.data && files.length === 0 && !dir && <p class="muted">No artifacts. Log one with mlflow.log_artifact(path).</p>}
        {files.map((f) => {
          const full = dir ? `${dir}/${f.path.split('/').pop()}` : f.path;
          return (
            <a
              key={f.path}
              href="#"
              data-testid="artifact"
              class={full === path ? 'active' : ''}
              onClick={(e) => (e.preventDefault(), setQuery({ path: f.is_dir ? `${full}/` : full }))}
            >
              {f.is_dir ? '📁 ' : ''}
              {f.path.split('/').pop()} {!f.is_dir && <span class="muted">{fmtBytes(f.file_size)}</span>}
            </a>
          );
        })}
      </div>
      <div class="artifact-preview">
        {isFile ? <Preview runId={runId} path={path} /> : <p class="muted">Choose a file to preview it.</p>}
      </div>
    </div>
  );
}

const MAX_TEXT = 512 * 1024;

function Preview({ runId, path }: { runId: string; path: string }) {
  const kind = previewKind(path);
  const text = useApi((s) => textPrefix(fileUrl(runId, path), MAX_TEXT, s), [runId, path], { skip: kind === 'image' || kind === 'binary' });
  const download = (
    <a href={fileUrl(runId, path)} download>
      download
    </a>
  );
  if (kind === 'image') {
    return (
      <div>
        <div class="row">
          <strong>{path}</strong> {download}
        </div>
        <img src={fileUrl(runId, path)} alt={path} data-testid="artifact-image" />
      </div>
    );
  }
  if (kind === 'binary') {
    return (
      <Empty title={path}>
        <p>No preview for this kind of file; {download} it.</p>
      </Empty>
    );
  }
  if (text.error) return <ErrorBox error={text.error} />;
  if (text.data === undefined) return <Loading />;
  const body = text.data.text;
  const cut = text.data.truncated && <p class="muted">Showing the first {fmtBytes(MAX_TEXT)}; {download} the whole file.</p>;
  if (kind === 'csv') {
    const rows = parseCsv(body, 500);
    return (
      <div>
        <div class="row">
          <strong>{path}</strong> {download}
        </div>
        <div class="scroll-x">
          <table class="data" data-testid="artifact-csv">
            <thead>
              <tr>{rows[0]?.map((h, i) => <th key={i}>{h}</th>)}</tr>
            </thead>
            <tbody>
              {rows.slice(1).map((r, i) => (
                <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
        {cut}
      </div>
    );
  }
  return (
    <div>
      <div class="row">
        <strong>{path}</strong> {download}
      </div>
      <pre class="log" data-testid="artifact-text">
        {body}
      </pre>
      {cut}
    </div>
  );
}
