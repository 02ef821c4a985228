// "Move alias": pick an alias (existing or new) and a version, give a reason,
// confirm; PUT /api/v1/models/{name}/aliases/{alias} records the reason in
// the audit log. The server's refusal stays in the dialog.
import { useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { Confirm } from '../../components/Confirm';
import { aliasPattern, apiModel } from './registryData';

export function AliasDialog({
  model,
  aliases,
  versions,
  initialAlias,
  initialVersion,
  onDone,
  onCancel,
}: {
  model: string;
  aliases: Map<string, string>;
  versions: string[];
  initialAlias?: string;
  initialVersion?: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [alias, setAlias] = useState(initialAlias ?? '');
  const [version, setVersion] = useState(initialVersion ?? versions[0] ?? '');
  const current = aliases.get(alias.trim());
  const submit = async (reason: string) => {
    await api.put(`${apiModel(model)}/aliases/${encodeURIComponent(alias.trim())}`, { version, reason });
    onDone();
  };
  return (
    <Confirm title={`Move an alias of ${model}`} confirmLabel="Move alias" needReason onConfirm={submit} onCancel={onCancel}>
      <label class="field">
        Alias
        <input list="alias-names" name="alias" value={alias} data-testid="alias-name" placeholder="champion, staging, …"
          onInput={(e) => setAlias((e.target as HTMLInputElement).value)} class={alias && !aliasPattern.test(alias.trim()) ? 'invalid' : ''} />
        <datalist id="alias-names">
          {[...aliases.keys()].map((a) => <option key={a} value={a} />)}
        </datalist>
      </label>
      <label class="field">
        To version
        <select name="version" value={version} data-testid="alias-version" onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
          {versions.map((v) => <option key={v} value={v}>v{v}</option>)}
        </select>
      </label>
      <p class="muted">
        {current ? `@${alias.trim()} points at v${current} now; deployments that serve it reload the new version.` :
          alias.trim() ? `@${alias.trim()} is a new alias.` : 'Letters, digits, _ and - only.'}
      </p>
    </Confirm>
  );
}
