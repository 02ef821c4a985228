import { describe, expect, it } from 'vitest';
import {
  barsMax,
  commonThreshold,
  constantSeries,
  driftedFeatures,
  driftScoreSeries,
  driftShareSeries,
  histogramBars,
  performanceSeries,
  presentMetrics,
  reliabilityPoints,
  scoreMetrics,
  seriesFeatures,
  sortColumns,
} from '../../src/views/monitoring/shape';
import { fromLocalInput, parseRange, reportRange, toLocalInput } from '../../src/views/monitoring/range';
import { alertRows, conditionWindows, evaluationSummary, lastFiredByRule } from '../../src/views/monitoring/alertShape';
import type { AlertEvent, AlertRule, AlertState, DriftColumn, DriftSeries, Performance, PerfMetrics } from '../../src/views/monitoring/types';

const series: DriftSeries = {
  model: 'credit',
  version: 1,
  windows: [
    // out of order on purpose
    {
      start: 2000, end: 3000, rows: 800, dataset_drift: true, share_of_drifted_columns: 0.5, drifted_columns: 1,
      columns: { income: { test: 'wasserstein', score: 0.61, drifted: true }, age: { test: 'wasserstein', score: 0.05, drifted: false } },
    },
    {
      start: 1000, end: 2000, rows: 800, dataset_drift: false, share_of_drifted_columns: 0, drifted_columns: 0,
      columns: { income: { test: 'wasserstein', score: 0.06, drifted: false } },
    },
  ],
};

describe('drift series', () => {
  it('lists every feature any window tested, sorted', () => {
    expect(seriesFeatures(series)).toEqual(['age', 'income']);
  });

  it('makes one step series per feature in time order, skipping windows without the feature', () => {
    const s = driftScoreSeries(series);
    expect(s.map((x) => x.label)).toEqual(['age', 'income']);
    expect(s[1].x).toEqual([1000, 1999, 2000, 2999]);
    expect(s[1].y).toEqual([0.06, 0.06, 0.61, 0.61]);
    expect(s[0].x).toEqual([2000, 2999]);
    expect(s[0].y).toEqual([0.05, 0.05]);
  });

  it('keeps a null score as a gap', () => {
    const s = driftScoreSeries({ ...series, windows: [{ ...series.windows[0], columns: { x: { test: 'ks', score: null, drifted: false } } }] });
    expect(s[0].y).toEqual([null, null]);
  });

  it('charts the share of drifted columns', () => {
    const [s] = driftShareSeries(series);
    expect(s.y).toEqual([0, 0, 0.5, 0.5]);
  });

  it('draws a constant threshold line over every x', () => {
    const t = constantSeries('threshold', 0.1, driftScoreSeries(series));
    expect(t.x).toEqual([1000, 1999, 2000, 2999]);
    expect(t.y).toEqual([0.1, 0.1, 0.1, 0.1]);
  });
});

const columns: DriftColumn[] = [
  { column: 'age', kind: 'numerical', tested: true, test: 'wasserstein', threshold: 0.1, score: 0.05, p_value: null, drifted: false },
  { column: 'income', kind: 'numerical', tested: true, test: 'wasserstein', threshold: 0.1, score: 0.32, p_value: null, drifted: true },
  { column: 'late_payments', kind: 'categorical', tested: true, test: 'jensenshannon', threshold: 0.1, score: 0.06, drifted: false },
  { column: 'notes', kind: 'text', tested: false, reason: 'text columns are not tested' },
];

describe('drift report', () => {
  it('finds the drifted features', () => {
    expect(driftedFeatures(columns)).toEqual(['income']);
  });

  it('finds the threshold all tested columns share, or none', () => {
    expect(commonThreshold(columns)).toBe(0.1);
    expect(commonThreshold([...columns, { column: 'x', kind: 'numerical', tested: true, threshold: 0.05 }])).toBeNull();
    expect(commonThreshold([columns[3]])).toBeNull();
  });

  it('sorts by score both ways with untested columns last', () => {
    expect(sortColumns(columns, 'score', 'desc').map((c) => c.column)).toEqual(['income', 'late_payments', 'age', 'notes']);
    expect(sortColumns(columns, 'score', 'asc').map((c) => c.column)).toEqual(['age', 'late_payments', 'income', 'notes']);
  });

  it('sorts by name, by drifted, and puts null p-values last', () => {
    expect(sortColumns(columns, 'column', 'desc').map((c) => c.column)).toEqual(['notes', 'late_payments', 'income', 'age']);
    expect(sortColumns(columns, 'drifted', 'desc')[0].column).toBe('income');
    expect(sortColumns(columns, 'drifted', 'asc').at(-1)!.column).toBe('notes');
    const p = sortColumns([{ ...columns[0], p_value: null }, { ...columns[1], p_value: 0.2 }], 'p_value', 'asc');
    expect(p.map((c) => c.column)).toEqual(['income', 'age']);
  });

  it('does not change its input', () => {
    const before = columns.map((c) => c.column);
    sortColumns(columns, 'score', 'asc');
    expect(columns.map((c) => c.column)).toEqual(before);
  });
});

describe('histogram bars', () => {
  it('pairs reference and current per bin with the server labels, trimming empty bins at the ends', () => {
    const bars = histogramBars({ reference: [0, 0.6, 0.4, 0], current: [0, 0.2, 0.8, 0], labels: ['< 0', '[0, 1)', '[1, 2)', '>= 2'] });
    expect(bars).toEqual([
      { label: '[0, 1)', reference: 0.6, current: 0.2 },
      { label: '[1, 2)', reference: 0.4, current: 0.8 },
    ]);
    expect(barsMax(bars)).toBe(0.8);
  });

  it('keeps empty bins in the middle', () => {
    expect(histogramBars({ reference: [0.5, 0, 0.5], current: [0.5, 0, 0.5] })).toHaveLength(3);
  });

  it('labels bins from edges when there are no labels', () => {
    const bars = histogramBars({ reference: [0.5, 0.5], current: [0.1, 0.9], edges: [0, 0.5, 100000] });
    expect(bars.map((b) => b.label)).toEqual(['[0, 0.5)', '[0.5, 1.00e+5)']);
  });

  it('caps many categories into an "other" bar that keeps the total', () => {
    const n = 100;
    const reference = Array.from({ length: n }, (_, i) => (i + 1) / ((n * (n + 1)) / 2));
    const current = reference.slice().reverse();
    const bars = histogramBars({ reference, current, labels: reference.map((_, i) => `c${i}`) }, 10);
    expect(bars).toHaveLength(10);
    expect(bars.at(-1)!.label).toBe('other (91)');
    const total = bars.reduce((s, b) => s + b.reference, 0);
    expect(total).toBeCloseTo(1, 9);
  });

  it('is empty for an all-zero histogram', () => {
    expect(histogramBars({ reference: [0, 0], current: [0, 0] })).toEqual([]);
    expect(barsMax([])).toBe(0);
  });
});

describe('reliability curve', () => {
  it('keeps bins with predictions, sorted by predicted probability', () => {
    const pts = reliabilityPoints([
      { lower: 0.1, upper: 0.2, count: 5, mean_predicted: 0.15, fraction_positive: 0.2 },
      { lower: 0, upper: 0.1, count: 10, mean_predicted: 0.04, fraction_positive: 0.03 },
      { lower: 0.2, upper: 0.3, count: 0, mean_predicted: 0, fraction_positive: 0 },
    ]);
    expect(pts).toEqual([
      { x: 0.04, y: 0.03, count: 10 },
      { x: 0.15, y: 0.2, count: 5 },
    ]);
  });
});

const metrics = (over: Partial<PerfMetrics>): PerfMetrics => ({
  task: 'binary', output: 'probability', rows: 10, classes: ['0', '1'], confusion: [], reliability: [], notes: [],
  accuracy: null, roc_auc: null, mae: null, ...over,
});

describe('performance', () => {
  const perf: Performance = {
    deployment: 'credit-api', from: 0, to: 1, unmatched_labels: 0,
    versions: [
      {
        model: 'credit', version: 1, roles: ['primary'], metrics: metrics({ accuracy: 0.85, roc_auc: 0.82 }), label_delay: { count: 0 },
        rows_out_of_range: 0, outputs_missing: 0,
        windows: [
          { start: 2000, end: 3000, metrics: metrics({ accuracy: 0.8, roc_auc: 0.7 }), label_delay: { count: 0 } },
          { start: 1000, end: 2000, metrics: metrics({ accuracy: 0.9, roc_auc: null }), label_delay: { count: 0 } },
        ],
      },
    ],
  };

  it('lists only the metrics that have values', () => {
    expect(presentMetrics(perf, scoreMetrics)).toEqual(['accuracy', 'roc_auc']);
  });

  it('makes a step series per metric over the windows in time order', () => {
    const s = performanceSeries(perf, ['accuracy', 'roc_auc']);
    expect(s.map((x) => x.label)).toEqual(['accuracy', 'roc_auc']);
    expect(s[0].x).toEqual([1000, 1999, 2000, 2999]);
    expect(s[0].y).toEqual([0.9, 0.9, 0.8, 0.8]);
    expect(s[1].x).toEqual([2000, 2999]);
  });

  it('names series by version when there are several', () => {
    const two = { ...perf, versions: [perf.versions[0], { ...perf.versions[0], version: 2 }] };
    expect(performanceSeries(two, ['accuracy']).map((s) => s.label)).toEqual(['v1 accuracy', 'v2 accuracy']);
  });
});

describe('time range', () => {
  const q = (s: string) => new URLSearchParams(s);

  it('passes from/to through as written, so the server judges them', () => {
    expect(parseRange(q('from=abc&to=5'), 0)).toMatchObject({ from: 'abc', to: '5' });
  });

  it('turns a preset into a start before now', () => {
    expect(parseRange(q('last=1h'), 10_000_000).from).toBe(String(10_000_000 - 3600_000));
    expect(parseRange(q(''), 5).from).toBeUndefined();
  });

  it('refuses an unknown preset', () => {
    expect(parseRange(q('last=2y'), 0).error).toMatch(/unknown range/);
  });

  it('uses the chosen window for the report', () => {
    const r = parseRange(q('last=6h'), 100_000_000);
    expect(reportRange(q('last=6h&wfrom=1&wto=2'), r)).toEqual({ from: '1', to: '2', window: true });
    expect(reportRange(q('last=6h'), r)).toEqual({ from: r.from, to: undefined, window: false });
  });

  it('round-trips datetime-local values', () => {
    const ms = new Date(2026, 10, 30, 6, 36).getTime();
    expect(toLocalInput(ms)).toBe('2026-11-30T06:36');
    expect(fromLocalInput('2026-11-30T06:36')).toBe(ms);
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('nonsense')).toBeUndefined();
    expect(toLocalInput('abc')).toBe('');
  });
});

describe('alerts', () => {
  const rule = (name: string, extra: Partial<AlertRule> = {}): AlertRule => ({
    name, deployment: 'credit-api', expr: 'auc < 0.8', for: 1, min_rows: 200, severity: 'warning', ...extra,
  });
  const state = (r: AlertRule, s: string, error = ''): AlertState => ({
    rule: r, state: s, since: 1, value: null, window_start: null, model: 'credit', version: 1, error, evaluated_time: 2,
  });
  const event = (r: string, to: string, time: number): AlertEvent => ({
    id: time, rule: r, deployment: 'credit-api', model: 'credit', version: 1, from: to === 'firing' ? 'inactive' : 'firing', to,
    kind: to === 'firing' ? 'firing' : 'resolved', value: 1, threshold: 0.2, window_start: null, time, notified: true,
  });

  it('finds when each rule last fired', () => {
    const m = lastFiredByRule([event('a', 'firing', 5), event('a', 'inactive', 9), event('a', 'firing', 7), event('b', 'inactive', 3)]);
    expect(m.get('a')).toBe(7);
    expect(m.has('b')).toBe(false);
  });

  it('joins rules, states and history, firing first', () => {
    const a = rule('a-auc');
    const b = rule('b-drift', { expr: 'psi(feature=income) > 0.2' });
    const c = rule('c-new');
    const rows = alertRows([a, b, c], [state(a, 'inactive'), state(b, 'firing')], [event('b-drift', 'firing', 4)]);
    expect(rows.map((r) => r.rule.name)).toEqual(['b-drift', 'a-auc', 'c-new']);
    expect(rows[0].lastFired).toBe(4);
    expect(rows[2].state).toBeUndefined();
  });

  it('keeps a state whose rule is missing from the rules list', () => {
    expect(alertRows([], [state(rule('x'), 'pending')], [])[0].rule.name).toBe('x');
  });

  it('summarises an evaluation', () => {
    const a = rule('a');
    expect(evaluationSummary([state(a, 'firing'), state(a, 'inactive', 'no reference'), state(a, 'inactive')])).toBe(
      '3 rules evaluated: 1 firing, 2 inactive; 1 with an error',
    );
    expect(evaluationSummary([])).toBe('0 rules evaluated');
  });

  it('describes the windows of a condition', () => {
    expect(conditionWindows(rule('a'))).toBe('for 1 window, windows of ≥ 200 rows');
    expect(conditionWindows(rule('a', { for: 3, min_rows: 0 }))).toBe('for 3 consecutive windows');
  });
});
