// The page's time range: presets (?last=) or a start and end (?from=&to=,
// milliseconds), and the model version (?version=) when windows hold several.
import { useEffect, useState } from 'preact/hooks';
import { setQuery } from '../../lib/router';
import { fromLocalInput, presets, toLocalInput } from './range';

export interface ModelVersion {
  model: string;
  version: number;
}

export function RangeBar({ query, versions, onRefresh }: { query: URLSearchParams; versions: ModelVersion[]; onRefresh: () => void }) {
  const last = query.get('last');
  const custom = query.has('from') || query.has('to');
  const [start, setStart] = useState(toLocalInput(query.get('from') ?? undefined));
  const [end, setEnd] = useState(toLocalInput(query.get('to') ?? undefined));
  useEffect(() => {
    setStart(toLocalInput(query.get('from') ?? undefined));
    setEnd(toLocalInput(query.get('to') ?? undefined));
  }, [query.get('from'), query.get('to')]);
  const version = query.get('version') ? `${query.get('version')}@${query.get('model') ?? ''}` : '';
  const apply = () => {
    const f = fromLocalInput(start);
    const t = fromLocalInput(end);
    setQuery({ from: f === undefined ? null : String(f), to: t === undefined ? null : String(t), last: null, wfrom: null, wto: null }, false);
  };
  return (
    <div class="mon-range" data-testid="range-bar">
      <span class="presets row">
        {presets.map(([k]) => (
          <button
            key={k}
            data-testid={`last-${k}`}
            class={(!custom && (last === k || (!last && k === '24h'))) ? 'active' : ''}
            onClick={() => setQuery({ last: k === '24h' ? null : k, from: null, to: null, wfrom: null, wto: null }, false)}
          >
            {k}
          </button>
        ))}
      </span>
      <label>
        from
        <input type="datetime-local" data-testid="range-from" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        to
        <input type="datetime-local" data-testid="range-to" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
      </label>
      <button data-testid="range-apply" onClick={apply} disabled={!start && !end}>
        Apply
      </button>
      {versions.length > 1 && (
        <label>
          version
          <select
            data-testid="version-select"
            value={version}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              const at = v.indexOf('@');
              setQuery({ version: at > 0 ? v.slice(0, at) : null, model: at > 0 ? v.slice(at + 1) : null, wfrom: null, wto: null });
            }}
          >
            <option value="">busiest</option>
            {versions.map((v) => (
              <option key={`${v.version}@${v.model}`} value={`${v.version}@${v.model}`}>
                {v.model} v{v.version}
              </option>
            ))}
          </select>
        </label>
      )}
      <button data-testid="refresh" onClick={onRefresh} title="Load again">
        ↻
      </button>
    </div>
  );
}
