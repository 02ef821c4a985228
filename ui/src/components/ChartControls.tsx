// The x-axis / log scale / smoothing controls shared by the run and compare
// views; their state is in the URL (?x=, ?log=1, ?smooth=).
import { setQuery } from '../lib/router';
import type { XAxis } from '../lib/history';

export function chartSettings(query: URLSearchParams) {
  const x = (query.get('x') as XAxis) || 'step';
  return {
    x: (['step', 'time', 'relative'].includes(x) ? x : 'step') as XAxis,
    log: query.get('log') === '1',
    smooth: Math.min(0.99, Math.max(0, Number(query.get('smooth') ?? 0) || 0)),
  };
}

export function ChartControls({ query }: { query: URLSearchParams }) {
  const s = chartSettings(query);
  return (
    <div class="controls" data-testid="chart-controls">
      <label>
        x axis{' '}
        <select value={s.x} onChange={(e) => setQuery({ x: (e.target as HTMLSelectElement).value })}>
          <option value="step">step</option>
          <option value="time">wall time</option>
          <option value="relative">relative time (s)</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={s.log} onChange={(e) => setQuery({ log: (e.target as HTMLInputElement).checked ? '1' : null })} /> log scale
      </label>
      <label>
        smoothing{' '}
        <input
          type="range"
          min="0"
          max="0.99"
          step="0.01"
          value={s.smooth}
          onChange={(e) => setQuery({ smooth: (e.target as HTMLInputElement).value === '0' ? null : (e.target as HTMLInputElement).value })}
        />{' '}
        {s.smooth.toFixed(2)}
      </label>
    </div>
  );
}
