import { describe, expect, it } from 'vitest';
import { dagSteps, edgePath, layoutDag, nodeWidth, stepLook, stepsByName } from '../../src/views/pipelines/dag';
import { ago, canCancel, canResume, durationMs, fmtSpan, isEnded } from '../../src/views/pipelines/timing';
import { appendChunk, emptyLog, keepTail, utf8Length } from '../../src/views/pipelines/logBuffer';
import { diffPair, driftRows, pctChange, profileSummary, schemaChanges, shortDigest } from '../../src/views/pipelines/datasets';
import { fmtParams, paramsToSend, parseExtraParams } from '../../src/views/pipelines/params';
import type { DatasetDiff, DatasetVersion, StepRun } from '../../src/views/pipelines/types';

const step = (over: Partial<StepRun>): StepRun => ({
  step: 's', state: 'succeeded', attempts: 1, exit_code: 0, timed_out: false, reused: false, error: '',
  start_time: 1, end_time: 2, cache_key: '', outputs: {}, tracking_run_id: '', ...over,
});

describe('dag layout', () => {
  const spec = [
    { name: 'validate', needs: [] },
    { name: 'train', needs: ['validate'] },
    { name: 'eval-a', needs: ['train'] },
    { name: 'eval-b', needs: ['train'] },
    { name: 'ship', needs: ['eval-a', 'eval-b'] },
  ];

  it('places one node per step and one edge per need, left to right', () => {
    const l = layoutDag(spec);
    expect(l.nodes.map((n) => n.id)).toEqual(spec.map((s) => s.name));
    expect(l.edges).toHaveLength(5);
    expect(l.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(
      ['eval-a>ship', 'eval-b>ship', 'train>eval-a', 'train>eval-b', 'validate>train'].sort(),
    );
    const x = (id: string) => l.nodes.find((n) => n.id === id)!.x;
    expect(x('validate')).toBeLessThan(x('train'));
    expect(x('train')).toBeLessThan(x('eval-a'));
    expect(x('eval-a')).toBe(x('eval-b'));
    expect(x('eval-b')).toBeLessThan(x('ship'));
    // parallel steps do not overlap
    const a = l.nodes.find((n) => n.id === 'eval-a')!;
    const b = l.nodes.find((n) => n.id === 'eval-b')!;
    expect(Math.abs(a.y - b.y)).toBeGreaterThanOrEqual(a.height);
    // everything inside the drawing
    for (const n of l.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(l.width + 0.5);
      expect(n.y + n.height).toBeLessThanOrEqual(l.height + 0.5);
    }
    for (const e of l.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it('goes top to bottom when asked, and lists needs that name no step', () => {
    const l = layoutDag([{ name: 'a', needs: [] }, { name: 'b', needs: ['a', 'ghost'] }], 'TB');
    const [a, b] = l.nodes;
    expect(a.y).toBeLessThan(b.y);
    expect(l.edges).toHaveLength(1);
    expect(l.missing).toEqual(['ghost']);
  });

  it('handles an empty spec', () => {
    expect(layoutDag([])).toEqual({ width: 0, height: 0, nodes: [], edges: [], missing: [] });
  });

  it('sizes boxes by name within bounds and builds paths', () => {
    expect(nodeWidth('a')).toBe(120);
    expect(nodeWidth('x'.repeat(100))).toBe(260);
    expect(edgePath([{ x: 0, y: 1 }, { x: 2.25, y: 3 }])).toBe('M0.0,1.0 L2.3,3.0');
    expect(edgePath([])).toBe('');
  });

  it('adds run steps missing from the spec', () => {
    const steps = dagSteps([{ name: 'a', needs: [] }], [step({ step: 'a' }), step({ step: 'old' })]);
    expect(steps.map((s) => s.name)).toEqual(['a', 'old']);
    expect(dagSteps(undefined, undefined)).toEqual([]);
  });
});

describe('step states', () => {
  it('maps states to looks, marking cached and reused steps', () => {
    expect(stepLook(undefined)).toMatchObject({ state: 'none', cls: 'none', mark: '' });
    expect(stepLook(step({ state: 'succeeded' }))).toMatchObject({ cls: 'ok', mark: '', label: 'succeeded' });
    expect(stepLook(step({ state: 'cached' }))).toMatchObject({ cls: 'cached', mark: 'cached' });
    expect(stepLook(step({ state: 'cached', reused: true }))).toMatchObject({ cls: 'cached', mark: 'reused', label: 'cached · reused' });
    expect(stepLook(step({ state: 'failed', exit_code: 3 }))).toMatchObject({ cls: 'bad', label: 'failed · exit 3' });
    expect(stepLook(step({ state: 'failed', timed_out: true, exit_code: -1 })).label).toBe('failed · timed out');
    expect(stepLook(step({ state: 'running', attempts: 2 }))).toMatchObject({ cls: 'run', label: 'running · attempt 2' });
    expect(stepLook(step({ state: 'skipped' })).cls).toBe('skip');
    expect(stepLook(step({ state: 'cancelled' })).cls).toBe('warn');
    expect(stepLook(step({ state: 'pending' })).cls).toBe('idle');
    expect(stepLook(step({ state: 'weird' })).cls).toBe('idle');
  });

  it('indexes steps by name', () => {
    const m = stepsByName([step({ step: 'a', state: 'failed' })]);
    expect(m.get('a')!.state).toBe('failed');
    expect(stepsByName(undefined).size).toBe(0);
  });
});

describe('timing', () => {
  it('measures durations, running ones up to now', () => {
    expect(durationMs(1000, 3500, 9999)).toBe(2500);
    expect(durationMs(1000, null, 4000)).toBe(3000);
    expect(durationMs(null, 5, 10)).toBeNull();
    expect(durationMs(0, 5, 10)).toBeNull();
    expect(durationMs(5000, 4000, 0)).toBe(0); // clock skew never gives a negative
    const f = (ms: number) => `${ms}ms`;
    expect(fmtSpan(1, 11, 99, f)).toBe('10ms');
    expect(fmtSpan(1, null, 21, f)).toBe('20ms…');
    expect(fmtSpan(null, null, 21, f)).toBe('');
  });

  it('says how long ago', () => {
    const now = 10 * 24 * 3600 * 1000;
    expect(ago(now - 5000, now)).toBe('just now');
    expect(ago(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(ago(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(ago(now - 3 * 24 * 3600_000, now)).toBe('3 d ago');
    expect(ago(null, now)).toBe('');
  });

  it('knows which runs can be cancelled or resumed', () => {
    expect(canCancel('running') && canCancel('queued')).toBe(true);
    expect(canCancel('failed')).toBe(false);
    expect(canResume('failed') && canResume('cancelled')).toBe(true);
    expect(canResume('succeeded') || canResume('running')).toBe(false);
    expect(isEnded('skipped') && !isEnded('running') && !isEnded(undefined)).toBe(true);
  });
});

describe('log buffer', () => {
  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('\ud800')).toBe(3); // a lone surrogate is sent as U+FFFD
  });

  it('appends chunks and follows the offset', () => {
    let b = appendChunk(emptyLog(), { text: 'hello\n', next_offset: 6, complete: false });
    b = appendChunk(b, { text: 'wörld\n', next_offset: 13, complete: true });
    expect(b).toEqual({ text: 'hello\nwörld\n', bytes: 13, dropped: 0, offset: 13, complete: true });
  });

  it('keeps only the last cap bytes without splitting characters', () => {
    const { text, dropped } = keepTail('😀😀😀', 6);
    expect(text).toBe('😀'); // 4 bytes: the next whole character would need 8
    expect(dropped).toBe(8);
    expect(keepTail('ab€cd', 4)).toEqual({ text: 'cd', dropped: 5 });
    expect(keepTail('short', 100)).toEqual({ text: 'short', dropped: 0 });
  });

  it('starts the capped text at a line when one is near', () => {
    const r = keepTail('aaaa\nbbbb\ncccc\n', 12);
    expect(r.text).toBe('bbbb\ncccc\n'); // 3 bytes had to go: the rest of that line goes too
    expect(r.dropped).toBe(5);
    expect(keepTail('aaaa\nbbbb\n', 5)).toEqual({ text: 'bbbb\n', dropped: 5 }); // already at a line start
  });

  it('counts what it dropped over many chunks', () => {
    let b = emptyLog();
    for (let i = 0; i < 50; i++) b = appendChunk(b, { text: `${String(i).padStart(3, '0')}-line\n`, next_offset: (i + 1) * 9, complete: false }, 90);
    expect(b.bytes).toBeLessThanOrEqual(90);
    expect(b.text.endsWith('049-line\n')).toBe(true);
    expect(b.text.startsWith('0')).toBe(true); // whole lines
    expect(b.dropped + b.bytes).toBe(50 * 9);
    expect(b.offset).toBe(450);
  });
});

describe('datasets', () => {
  const v = (version: number): DatasetVersion => ({ name: 'd', version, digest: 'x', source: '', description: '', files: 1, bytes: 1, created_time: 1 });

  it('picks the versions to compare', () => {
    expect(diffPair([v(3), v(2), v(1)], null, null)).toEqual({ from: 2, to: 3 });
    expect(diffPair([v(3), v(2), v(1)], '1', '3')).toEqual({ from: 1, to: 3 });
    expect(diffPair([v(3), v(2), v(1)], '1', '9')).toEqual({ from: 2, to: 3 });
    expect(diffPair([v(1)], null, null)).toBeNull();
  });

  it('summarises a profile', () => {
    expect(profileSummary({ tables: [{ path: 'a', rows: 10, columns: [{ name: 'x', kind: 'numerical' }] }, { path: 'b', error: 'bad' }] })).toEqual({
      tables: 2, rows: 10, columns: 1, errors: 1,
    });
    expect(profileSummary(undefined)).toEqual({ tables: 0, rows: null, columns: 0, errors: 0 });
    expect(shortDigest('0123456789abcdef')).toBe('0123456789ab');
    expect(pctChange(100, 125)).toBe('+25.0%');
    expect(pctChange(0, 5)).toBe('');
  });

  it('orders drift rows drifted first, then by severity; lists schema changes', () => {
    const col = (name: string, drifted: boolean, severity: number) => ({
      name, kind: { a: 'numerical', b: 'numerical' }, severity, missing_rate: { a: 0, b: 0 }, distinct: { a: 1, b: 1 },
      drift: { tested: true, drifted, score: severity / 10, test: 'wasserstein', threshold: 0.1 },
    });
    const diff = {
      files: { a: 1, b: 1 }, bytes: { a: 1, b: 1 },
      summary: { tables_compared: 1, tables_added: 0, tables_removed: 0, schema_changes: 2, columns_drifted: 2 },
      tables: [{
        a: 't.csv', b: 't.csv', status: 'compared', rows: { a: 1, b: 1 },
        schema: { added: [{ name: 'new', kind: 'numerical' }], removed: [], kind_changed: [{ name: 'k', a: 'numerical', b: 'categorical' }] },
        columns: [col('age', false, 0.2), col('utilization', true, 9.9), col('income', true, 6.2), col('zip', false, 0.5)],
      }],
    } as DatasetDiff;
    expect(driftRows(diff).map((r) => r.column.name)).toEqual(['utilization', 'income', 'zip', 'age']);
    expect(driftRows(diff)[1]).toMatchObject({ drifted: true, score: 0.62, table: 't.csv' });
    expect(schemaChanges(diff)).toEqual([
      { table: 't.csv', change: 'added', column: 'new', detail: 'numerical' },
      { table: 't.csv', change: 'kind changed', column: 'k', detail: 'numerical → categorical' },
    ]);
    expect(driftRows(undefined)).toEqual([]);
  });
});

describe('run params', () => {
  it('parses extra name=value lines and reports bad ones', () => {
    expect(parseExtraParams('a=1\n\n# note\n b = x=y \n')).toEqual({ params: { a: '1', b: 'x=y' }, errors: [] });
    expect(parseExtraParams('oops').errors[0]).toMatch(/line 1: expected name=value/);
  });

  it('sends only changed defaults and every extra param', () => {
    expect(paramsToSend({ rows: '10', seed: '1' }, { rows: '10', seed: '2' }, { extra: 'z' })).toEqual({ seed: '2', extra: 'z' });
    expect(fmtParams({ a: '1', b: 'x' })).toBe('a=1 b=x');
    expect(fmtParams(undefined)).toBe('');
  });
});
