// A model's versions: version, source run, status, aliases, created, tags;
// each row can move an alias onto its version.
import { fmtTime } from '../../lib/format';
import { Badge } from '../../components/common';
import { versionPath, type ModelVersion } from './registryData';

export function VersionsTable({ versions, onMoveAlias }: { versions: ModelVersion[]; onMoveAlias: (version: string) => void }) {
  return (
    <div class="scroll-x">
      <table class="data" data-testid="versions-table">
        <thead>
          <tr><th>Version</th><th>Aliases</th><th>Status</th><th>Source run</th><th>Created</th><th>By</th><th>Tags</th><th /></tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version} data-testid="version-row" data-version={v.version}>
              <td><a href={versionPath(v.name, v.version)}>v{v.version}</a></td>
              <td>{v.aliases.map((a) => <span key={a} class="alias-chip" data-testid="alias-chip">@{a}</span>)}</td>
              <td><Badge value={v.status} />{v.current_stage && v.current_stage !== 'None' && <span class="badge" style="margin-left:4px">{v.current_stage}</span>}</td>
              <td class="mono">{v.run_id ? <a href={`/runs/${encodeURIComponent(v.run_id)}`}>{v.run_id.slice(0, 12)}</a> : <span class="muted" title={v.source}>{v.source}</span>}</td>
              <td>{fmtTime(v.creation_timestamp)}</td>
              <td>{v.user_id}</td>
              <td class="wrap">{v.tags.map((t) => <span key={t.key} class="badge" style="margin-right:4px">{t.key}={t.value}</span>)}</td>
              <td><button data-testid="move-alias-here" onClick={() => onMoveAlias(v.version)}>Move alias here…</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
