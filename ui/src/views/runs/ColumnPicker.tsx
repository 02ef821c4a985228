// Chooses the runs table's metric, param and tag columns from the keys the
// experiment's runs use.
import { useState } from 'preact/hooks';
import type { Column, ColumnKind } from '../../lib/runs';

export function ColumnPicker({
  keys,
  columns,
  onChange,
}: {
  keys: { metrics: string[]; params: string[]; tags: string[] };
  columns: Column[];
  onChange: (cols: Column[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [find, setFind] = useState('');
  const has = (kind: ColumnKind, key: string) => columns.some((c) => c.kind === kind && c.key === key);
  const toggle = (kind: ColumnKind, key: string) =>
    onChange(has(kind, key) ? columns.filter((c) => !(c.kind === kind && c.key === key)) : [...columns, { kind, key }]);
  const group = (title: string, kind: ColumnKind, list: string[]) => {
    const shown = list.filter((k) => k.toLowerCase().includes(find.toLowerCase())).slice(0, 200);
    if (!shown.length) return null;
    return (
      <div class="picker-group">
        <strong>{title}</strong>
        {shown.map((k) => (
          <label key={k} class="picker-item">
            <input type="checkbox" checked={has(kind, k)} onChange={() => toggle(kind, k)} /> {k}
          </label>
        ))}
      </div>
    );
  };
  return (
    <div class="picker">
      <button data-testid="columns" onClick={() => setOpen(!open)}>
        Columns ({columns.length})
      </button>
      {open && (
        <div class="picker-panel" data-testid="column-panel">
          <input placeholder="find a key" value={find} onInput={(e) => setFind((e.target as HTMLInputElement).value)} />
          {group('Metrics', 'metric', keys.metrics)}
          {group('Params', 'param', keys.params)}
          {group('Tags', 'tag', keys.tags.filter((t) => !t.startsWith('mlflow.')))}
        </div>
      )}
    </div>
  );
}
