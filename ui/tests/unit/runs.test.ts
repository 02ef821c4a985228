import { describe, expect, it } from 'vitest';
import { cellValue, decodeColumns, defaultColumns, encodeColumns, orderBy, parseOrder, toRun, type RunJson } from '../../src/lib/runs';
import { pagesFor, slotAt, totalRows } from '../../src/lib/rowIndex';
import { align, forLogScale, smooth } from '../../src/lib/series';
import { parseCsv, previewKind } from '../../src/lib/preview';
import { buildAxes, position, varyingKeys } from '../../src/lib/pcoords';
import { errorFromBody, withQuery } from '../../src/lib/api';
import { fmtDuration, fmtNumber, toNumber } from '../../src/lib/format';
import { matchPath, buildPath } from '../../src/lib/router';
import { toChartSeries, type SeriesJson } from '../../src/lib/history';

const runJson: RunJson = {
  info: { run_id: 'abc123def', experiment_id: '1', status: 'FINISHED', start_time: '1000', end_time: 5000 },
  data: {
    metrics: [
      { key: 'auc', value: 0.9, timestamp: 1, step: 0 },
      { key: 'bad', value: 'NaN', timestamp: 1, step: 0 },
    ],
    params: [{ key: 'lr', value: '0.1' }],
    tags: [
      { key: 'mlflow.runName', value: 'trial' },
      { key: 'mlflow.parentRunId', value: 'p1' },
    ],
  },
};

describe('runs', () => {
  it('reads MLflow run JSON, NaN included', () => {
    const r = toRun(runJson);
    expect(r.name).toBe('trial');
    expect(r.metrics.auc).toBe(0.9);
    expect(Number.isNaN(r.metrics.bad)).toBe(true);
    expect(r.parentId).toBe('p1');
    expect(r.start).toBe(1000);
    expect(cellValue(r, { kind: 'param', key: 'lr' })).toBe('0.1');
    expect(cellValue(r, { kind: 'attr', key: 'status' })).toBe('FINISHED');
    expect(cellValue(r, { kind: 'metric', key: 'missing' })).toBeUndefined();
  });

  it('keeps columns in the URL and back', () => {
    const cols = [
      { kind: 'metric' as const, key: 'val:loss' },
      { kind: 'param' as const, key: 'lr' },
      { kind: 'tag' as const, key: 'team' },
    ];
    expect(decodeColumns(encodeColumns(cols))).toEqual(cols);
    expect(decodeColumns(null)).toBeNull();
    expect(decodeColumns('x:bad,m:,m:auc')).toEqual([{ kind: 'metric', key: 'auc' }]);
    expect(defaultColumns({ metrics: ['a', 'b'], params: ['p'] })).toHaveLength(3);
  });

  it('writes order_by with backquoted keys and parses it back', () => {
    const o = orderBy({ kind: 'metric', key: 'val loss' }, false);
    expect(o).toBe('metrics.`val loss` DESC');
    expect(parseOrder(o)).toEqual({ col: { kind: 'metric', key: 'val loss' }, ascending: false });
    expect(parseOrder('attributes.start_time ASC')).toEqual({ col: { kind: 'attr', key: 'start_time' }, ascending: true });
    expect(parseOrder('nonsense')).toBeNull();
  });
});

describe('row index with expanded parents', () => {
  const exp = [
    { parentOffset: 2, count: 3 },
    { parentOffset: 5, count: 1 },
  ];
  it('maps positions to top-level runs and children', () => {
    expect(slotAt(0, exp)).toEqual({ kind: 'top', offset: 0 });
    expect(slotAt(2, exp)).toEqual({ kind: 'top', offset: 2 });
    expect(slotAt(3, exp)).toEqual({ kind: 'child', parentOffset: 2, index: 0 });
    expect(slotAt(5, exp)).toEqual({ kind: 'child', parentOffset: 2, index: 2 });
    expect(slotAt(6, exp)).toEqual({ kind: 'top', offset: 3 });
    expect(slotAt(8, exp)).toEqual({ kind: 'top', offset: 5 });
    expect(slotAt(9, exp)).toEqual({ kind: 'child', parentOffset: 5, index: 0 });
    expect(slotAt(10, exp)).toEqual({ kind: 'top', offset: 6 });
    expect(totalRows(100, exp)).toBe(104);
  });
  it('asks for the pages the visible rows need', () => {
    expect(pagesFor(0, 50, [], 200)).toEqual([0]);
    expect(pagesFor(150, 450, [], 200)).toEqual([0, 1, 2]);
    expect(pagesFor(99_990, 100_000, [], 200)).toEqual([499, 500]);
  });
});

describe('series', () => {
  it('smooths with debiasing and leaves gaps', () => {
    expect(smooth([1, 1, 1], 0.9)).toEqual([1, 1, 1].map(() => expect.closeTo(1, 10)));
    expect(smooth([1, null, 3], 0)).toEqual([1, null, 3]);
    const s = smooth([0, 10], 0.5);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(10 * 0.5 / 0.75);
  });
  it('aligns series with different x values', () => {
    expect(align([{ x: [0, 2], y: [1, 3] }, { x: [1, 2], y: [5, 6] }])).toEqual([[0, 1, 2], [1, null, 3], [null, 5, 6]]);
  });
  it('drops values a log scale cannot show', () => {
    expect(forLogScale([1, 0, -1, NaN, null, 2])).toEqual([1, null, null, null, null, 2]);
  });
  it('turns thinned histories into chart series on each x axis', () => {
    const s: SeriesJson[] = [{ run_id: 'r', key: 'loss', total: 3, downsampled: false, steps: [0, 5], values: [1, 'NaN'], timestamps: [1000, 3000] }];
    expect(toChartSeries(s, 'loss', () => 'run', 'step')[0].x).toEqual([0, 5]);
    expect(toChartSeries(s, 'loss', () => 'run', 'relative')[0].x).toEqual([0, 2]);
    expect(Number.isNaN(toChartSeries(s, 'loss', () => 'run', 'time')[0].y[1])).toBe(true);
    expect(toChartSeries(s, 'acc', () => 'run', 'step')).toEqual([]);
  });
});

describe('artifact previews', () => {
  it('chooses by file name', () => {
    expect(previewKind('plots/roc.PNG')).toBe('image');
    expect(previewKind('data/x.csv')).toBe('csv');
    expect(previewKind('model/MLmodel')).toBe('text');
    expect(previewKind('model.pkl')).toBe('binary');
  });
  it('reads quoted CSV fields, doubled quotes and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n1,2', 10)).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['1', '2']]);
    expect(parseCsv('a\n1\n2\n3', 2)).toEqual([['a'], ['1']]);
    expect(parseCsv('a\tb\n1\t2\n', 10)).toEqual([['a', 'b'], ['1', '2']]);
  });
});

describe('parallel coordinates', () => {
  it('scales numeric and text axes', () => {
    const rows = [{ lr: '0.1', opt: 'sgd' }, { lr: '0.3', opt: 'adam' }, { opt: 'adam' }];
    const [lr, opt] = buildAxes(rows, [{ key: 'lr', kind: 'param' }, { key: 'opt', kind: 'param' }]);
    expect(lr.numeric).toBe(true);
    expect(position(lr, '0.2')).toBeCloseTo(0.5);
    expect(position(lr, undefined)).toBeNull();
    expect(opt.categories).toEqual(['adam', 'sgd']);
    expect(position(opt, 'sgd')).toBe(1);
    expect(varyingKeys([{ a: '1', b: 'x' }, { a: '1', b: 'y' }])).toEqual(['b']);
  });
});

describe('api and formatting', () => {
  it('keeps the server message of both error styles', () => {
    expect(errorFromBody(400, { error: { code: 'INVALID_ARGUMENT', message: 'limit: too big' } }).message).toBe('limit: too big');
    const m = errorFromBody(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no run' });
    expect([m.code, m.message, m.status]).toEqual(['RESOURCE_DOES_NOT_EXIST', 'no run', 404]);
    expect(errorFromBody(500, null).message).toBe('HTTP 500');
  });
  it('builds query strings, leaving out empty values', () => {
    expect(withQuery('/x', { a: 1, b: '', c: undefined, d: ['p', 'q'] })).toBe('/x?a=1&d=p&d=q');
  });
  it('formats numbers and durations', () => {
    expect(fmtNumber(NaN)).toBe('NaN');
    expect(fmtNumber(-Infinity)).toBe('-∞');
    expect(fmtNumber(0.123456)).toBe('0.1235');
    expect(fmtNumber(12)).toBe('12');
    expect(toNumber('Infinity')).toBe(Infinity);
    expect(fmtDuration(61_000)).toBe('1 min 1 s');
  });
  it('matches and builds paths with encoded names', () => {
    expect(matchPath('/models/:name/versions/:version', '/models/a%2Fb/versions/3')).toEqual({ name: 'a/b', version: '3' });
    expect(matchPath('/models/:name', '/models/a/b')).toBeNull();
    expect(matchPath('/runs/:id', '/runs/%E0%A4%A')).toBeNull();
    expect(buildPath('/models/:name', { name: 'a b' })).toBe('/models/a%20b');
  });
});

import { fromMlflowHash } from '../../src/lib/router';
describe('links the mlflow client prints', () => {
  it('open the same page', () => {
    expect(fromMlflowHash('#/experiments/1/runs/abc')).toBe('/runs/abc');
    expect(fromMlflowHash('#/experiments/7')).toBe('/experiments/7');
    expect(fromMlflowHash('#/models/credit/versions/2')).toBe('/models/credit/versions/2');
    expect(fromMlflowHash('#/models/credit')).toBe('/models/credit');
    expect(fromMlflowHash('')).toBeNull();
    expect(fromMlflowHash('#/compare-runs?runs=[]')).toBe('/experiments');
  });
});

import { containsPattern, quoteFilterString } from '../../src/lib/filter';
describe('filter strings', () => {
  it('quote values so they cannot end the string', () => {
    expect(quoteFilterString("it's")).toBe("'it\\'s'");
    expect(quoteFilterString('a\\')).toBe("'a\\\\'");
    expect(containsPattern('50%')).toBe("'%50\\\\%%'");
  });
});
