// /models/:name: versions and aliases (move an alias with a reason), gated
// promotion, and the audit log. The tab lives in ?tab=.
import { useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { setQuery } from '../../lib/router';
import { fmtTime } from '../../lib/format';
import { Empty, ErrorBox, KeyValues, Loading, PageHeader, Section, Tabs } from '../../components/common';
import { AliasDialog } from './AliasDialog';
import { EventsTable } from './EventsTable';
import { PromotePanel } from './PromotePanel';
import { VersionsTable } from './VersionsTable';
import { aliasMap, apiModel, versionPath, type ModelVersion, type RegisteredModel } from './registryData';
import './registry.css';

const MAX_VERSIONS = 1000;

async function loadModel(name: string, signal: AbortSignal) {
  const { model } = await api.get<{ model: RegisteredModel }>(apiModel(name), undefined, signal);
  let versions: ModelVersion[] = [];
  let token = '';
  do {
    const page = await api.get<{ model_versions: ModelVersion[]; next_page_token: string }>(
      `${apiModel(name)}/versions`, { max_results: 200, page_token: token }, signal);
    versions = versions.concat(page.model_versions);
    token = page.next_page_token;
  } while (token && versions.length < MAX_VERSIONS);
  return { model, versions, capped: !!token };
}

export function ModelView({ params, query }: ViewProps) {
  const name = params.name;
  const tab = query.get('tab') ?? 'versions';
  const { data, error, loading, reload } = useApi((signal) => loadModel(name, signal), [name]);
  const [dialog, setDialog] = useState<{ alias?: string; version?: string } | undefined>();
  const [refresh, setRefresh] = useState(0);
  const changed = () => {
    reload();
    setRefresh((n) => n + 1);
  };
  const aliases = data ? aliasMap(data.model) : new Map<string, string>();
  const versionIds = data?.versions.map((v) => v.version) ?? [];
  return (
    <div>
      <PageHeader title={name} sub={<><a href="/models">Models</a>{data?.model.description ? ` · ${data.model.description}` : ''}</>}>
        {data && versionIds.length > 0 && (
          <button class="primary" data-testid="move-alias" onClick={() => setDialog({})}>Move alias…</button>
        )}
      </PageHeader>
      <ErrorBox error={error} />
      {loading && !data && <Loading what="model" />}
      {data && (
        <>
          <Tabs
            tabs={[['versions', `Versions (${data.versions.length})`], ['promote', 'Promote'], ['audit', 'Audit log']]}
            active={tab}
            onSelect={(t) => setQuery({ tab: t === 'versions' ? null : t, action: null })}
          />
          {tab === 'versions' && (
            <>
              <Section title="Aliases" testid="aliases">
                {aliases.size === 0 ? (
                  <p class="muted">No aliases yet. “Move alias…” creates one (e.g. champion) on a version.</p>
                ) : (
                  <div class="row">
                    {[...aliases.entries()].map(([a, v]) => (
                      <span key={a} class="row" data-testid="alias" data-alias={a}>
                        <a class="alias-chip" href={versionPath(name, v)}>@{a} → v{v}</a>
                        <button data-testid={`move-${a}`} onClick={() => setDialog({ alias: a, version: v })}>move</button>
                      </span>
                    ))}
                  </div>
                )}
              </Section>
              <Section title="Versions" testid="versions">
                {data.versions.length === 0 ? (
                  <Empty title="No versions yet">
                    <p>Register one from a run: <code>mlflow.register_model("runs:/&lt;run_id&gt;/model", "{name}")</code></p>
                  </Empty>
                ) : (
                  <VersionsTable versions={data.versions} onMoveAlias={(v) => setDialog({ version: v })} />
                )}
                {data.capped && <p class="muted">Showing the newest {MAX_VERSIONS} versions.</p>}
              </Section>
              <Section title="Details">
                <KeyValues rows={[
                  ['Created', fmtTime(data.model.creation_timestamp)],
                  ['Last updated', fmtTime(data.model.last_updated_timestamp)],
                  ['Gate', data.model.gate_policy ? <a href={`/models/${encodeURIComponent(name)}?tab=promote`}>policy set</a> : 'none'],
                  ['Tags', data.model.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '—'],
                ]} />
              </Section>
            </>
          )}
          {tab === 'promote' && (
            <PromotePanel model={name} policy={data.model.gate_policy} versions={versionIds} onChanged={changed} />
          )}
          {tab === 'audit' && (
            <EventsTable model={name} refresh={refresh} action={query.get('action') ?? ''} onAction={(a) => setQuery({ action: a || null })} />
          )}
        </>
      )}
      {dialog && data && (
        <AliasDialog
          model={name}
          aliases={aliases}
          versions={versionIds}
          initialAlias={dialog.alias}
          initialVersion={dialog.version}
          onCancel={() => setDialog(undefined)}
          onDone={() => {
            setDialog(undefined);
            changed();
          }}
        />
      )}
    </div>
  );
}
