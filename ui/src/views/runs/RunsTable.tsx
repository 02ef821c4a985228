// The virtual runs table: a fixed-height viewport that renders only the rows
// in view (plus a margin) and fetches pages of 200 top-level runs by offset
// as they scroll into view, so 100,000 runs scroll as smoothly as 100.
// Parents with children get a toggle that shows their nested runs below them.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { quoteFilterString } from '../../lib/filter';
import { fmtNumber, fmtTime } from '../../lib/format';
import { cellValue, orderBy, toRun, type Column, type Run, type RunJson } from '../../lib/runs';
import { pagesFor, slotAt, totalRows, type Expansion } from '../../lib/rowIndex';
import { Badge } from '../../components/common';

export const PAGE = 200;
const ROW = 30;
const MARGIN = 10;

export interface Query {
  experimentIds: string[];
  filter: string;
  order: string | null;
  nested: boolean; // group children under parents (top-level pages)
}

interface PageAnswer {
  runs: RunJson[];
  total?: number; // counted for the first page only
  child_counts: Record<string, number>;
}

export function fetchPage(q: Query, page: number, signal?: AbortSignal, count = false) {
  return api.post<PageAnswer>(
    '/api/v1/runs/page',
    {
      experiment_ids: q.experimentIds,
      filter: q.filter,
      order_by: q.order ? [q.order] : [],
      offset: page * PAGE,
      limit: PAGE,
      top_level_only: q.nested,
      count_total: count,
    },
    signal,
  );
}

export async function countRuns(q: Query, signal?: AbortSignal): Promise<number> {
  const a = await api.post<PageAnswer>(
    '/api/v1/runs/page',
    { experiment_ids: q.experimentIds, filter: q.filter, offset: 0, limit: 1, top_level_only: q.nested, count_total: true },
    signal,
  );
  return a.total ?? 0;
}

// The runs nested under `parentId` (its first `limit`), in the query's order;
// `total` says how many there are in all.
export function fetchChildren(q: Pick<Query, 'experimentIds' | 'order'>, parentId: string, limit = 1000, signal?: AbortSignal) {
  return api.post<PageAnswer>(
    '/api/v1/runs/page',
    {
      experiment_ids: q.experimentIds,
      filter: `tags.\`mlflow.parentRunId\` = ${quoteFilterString(parentId)}`,
      order_by: q.order ? [q.order] : [],
      limit,
    },
    signal,
  );
}

export function RunsTable({
  query,
  first,
  total,
  columns,
  selected,
  onToggle,
  onSort,
}: {
  query: Query;
  first: PageAnswer; // page 0, loaded by the view
  total: number; // rows in all (the first page's size until the count arrives)
  columns: Column[];
  selected: Set<string>;
  onToggle: (id: string) => void;
  onSort: (col: Column) => void;
}) {
  const [pages, setPages] = useState<Map<number, Run[]>>(() => new Map([[0, first.runs.map(toRun)]]));
  const [childCounts, setChildCounts] = useState<Record<string, number>>(first.child_counts);
  const [expanded, setExpanded] = useState<{ parentOffset: number; runs: Run[] }[]>([]);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const [failed, setFailed] = useState<Map<number, string>>(new Map());
  const [expandError, setExpandError] = useState<string | undefined>();
  const box = useRef<HTMLDivElement>(null);
  const loading = useRef(new Set<number>());
  const expanding = useRef(new Set<string>());
  // Answers to an older query (filter, sort) are dropped: each reset starts a
  // new generation and aborts what the old one still had in flight.
  const generation = useRef({ id: 0, abort: new AbortController() });

  useEffect(() => {
    generation.current.abort.abort();
    generation.current = { id: generation.current.id + 1, abort: new AbortController() };
    setPages(new Map([[0, first.runs.map(toRun)]]));
    setChildCounts(first.child_counts);
    setExpanded([]);
    setFailed(new Map());
    setExpandError(undefined);
    loading.current = new Set();
    expanding.current = new Set();
    if (box.current) box.current.scrollTop = 0;
  }, [first]);
  useEffect(() => () => generation.current.abort.abort(), []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const expansions: Expansion[] = useMemo(
    () => expanded.map((e) => ({ parentOffset: e.parentOffset, count: e.runs.length })).sort((a, b) => a.parentOffset - b.parentOffset),
    [expanded],
  );
  const rows = totalRows(total, expansions);
  const firstRow = Math.max(0, Math.floor(scroll.top / ROW) - MARGIN);
  const lastRow = Math.min(rows - 1, Math.ceil((scroll.top + scroll.height) / ROW) + MARGIN);

  useEffect(() => {
    if (rows === 0) return;
    const gen = generation.current;
    const inFlight = loading.current;
    for (const p of pagesFor(firstRow, lastRow, expansions, PAGE)) {
      if (pages.has(p) || inFlight.has(p) || failed.has(p)) continue;
      inFlight.add(p);
      fetchPage(query, p, gen.abort.signal)
        .then((a) => {
          if (gen !== generation.current) return;
          setPages((old) => new Map(old).set(p, a.runs.map(toRun)));
          setChildCounts((old) => ({ ...old, ...a.child_counts }));
        })
        .catch((e: Error) => {
          if (gen !== generation.current || e.name === 'AbortError') return;
          setFailed((old) => new Map(old).set(p, e.message));
        })
        .finally(() => inFlight.delete(p));
    }
  }, [firstRow, lastRow, expansions, pages, failed, query, rows]);

  const retry = (page: number) =>
    setFailed((old) => {
      const m = new Map(old);
      m.delete(page);
      return m;
    });

  const toggleChildren = (run: Run, offset: number) => {
    if (expanded.some((e) => e.parentOffset === offset)) {
      setExpanded((old) => old.filter((e) => e.parentOffset !== offset));
      return;
    }
    if (expanding.current.has(run.id)) return; // a second click while the first loads
    const gen = generation.current;
    const pending = expanding.current;
    pending.add(run.id);
    setExpandError(undefined);
    fetchChildren(query, run.id, 1000, gen.abort.signal)
      .then((a) => {
        if (gen !== generation.current) return;
        setExpanded((old) => (old.some((e) => e.parentOffset === offset) ? old : [...old, { parentOffset: offset, runs: a.runs.map(toRun) }]));
      })
      .catch((e: Error) => {
        if (gen === generation.current) setExpandError(`Nested runs of ${run.name}: ${e.message}`);
      })
      .finally(() => pending.delete(run.id));
  };

  const template = `36px minmax(180px, 2fr) 90px 150px ${columns.map(() => 'minmax(90px, 1fr)').join(' ')}`;
  const width = 36 + 180 + 90 + 150 + columns.length * 110;
  const visible = [];
  for (let pos = firstRow; pos <= lastRow; pos++) {
    const slot = slotAt(pos, expansions);
    let run: Run | undefined;
    let depth = 0;
    let offset = -1;
    if (slot.kind === 'top') {
      run = pages.get(Math.floor(slot.offset / PAGE))?.[slot.offset % PAGE];
      offset = slot.offset;
    } else {
      run = expanded.find((e) => e.parentOffset === slot.parentOffset)?.runs[slot.index];
      depth = 1;
    }
    const top = pos * ROW;
    if (!run) {
      const page = Math.floor((slot.kind === 'top' ? slot.offset : slot.parentOffset) / PAGE);
      const error = failed.get(page);
      visible.push(
        <div key={`p${pos}`} class="vrow" style={{ top, height: ROW, gridTemplateColumns: template, minWidth: width, width: '100%' }}>
          <div />
          {error ? (
            <div class="error-text" data-testid="page-error" style={{ gridColumn: '2 / -1' }}>
              {error} <button onClick={() => retry(page)}>retry</button>
            </div>
          ) : (
            <div class="muted">…</div>
          )}
        </div>,
      );
      continue;
    }
    const kids = childCounts[run.id] ?? 0;
    const open = expanded.some((e) => e.parentOffset === offset);
    visible.push(
      <div
        key={run.id}
        class={`vrow${selected.has(run.id) ? ' selected' : ''}`}
        data-testid="run-row"
        data-run-id={run.id}
        style={{ top, height: ROW, gridTemplateColumns: template, minWidth: width, width: '100%' }}
      >
        <div>
          <input type="checkbox" aria-label={`select ${run.name}`} checked={selected.has(run.id)} onChange={() => onToggle(run!.id)} />
        </div>
        <div style={{ paddingLeft: 8 + depth * 18 }}>
          {query.nested && kids > 0 && depth === 0 && (
            <button class="twisty" data-testid="expand" aria-label={open ? 'hide nested runs' : 'show nested runs'} onClick={() => toggleChildren(run!, offset)}>
              {open ? '▾' : '▸'} {kids}
            </button>
          )}{' '}
          <a href={`/runs/${run.id}`} title={run.id}>
            {run.name}
          </a>
        </div>
        <div>
          <Badge value={run.status} />
        </div>
        <div class="muted">{fmtTime(run.start)}</div>
        {columns.map((c) => {
          const v = cellValue(run!, c);
          return (
            <div key={c.kind + c.key} class={typeof v === 'number' ? 'num' : ''} data-testid={c.kind === 'metric' ? 'metric-cell' : undefined} title={v === undefined ? '' : String(v)}>
              {typeof v === 'number' ? fmtNumber(v) : v ?? ''}
            </div>
          );
        })}
      </div>,
    );
  }
  const sortMark = (c: Column) => {
    if (!query.order) return '';
    if (query.order === orderBy(c, true)) return ' ▲';
    if (query.order === orderBy(c, false)) return ' ▼';
    return '';
  };
  const header = (label: string, c?: Column) => (
    <div role="columnheader" title={c ? `${c.kind} ${c.key}: click to sort` : label} onClick={c ? () => onSort(c) : undefined} data-testid={c ? `col-${c.kind}-${c.key}` : undefined}>
      {label}
      {c ? sortMark(c) : ''}
    </div>
  );
  return (
    <>
    {expandError && (
      <div class="error-box" role="alert" data-testid="error">
        {expandError}
      </div>
    )}
    <div class="vtable" ref={box} onScroll={(e) => setScroll({ top: (e.target as HTMLDivElement).scrollTop, height: (e.target as HTMLDivElement).clientHeight })} data-testid="runs-table">
      <div class="vhead" style={{ gridTemplateColumns: template, minWidth: width, height: ROW }}>
        <div />
        {header('Run', { kind: 'attr', key: 'run_name' })}
        {header('Status', { kind: 'attr', key: 'status' })}
        {header('Started', { kind: 'attr', key: 'start_time' })}
        {columns.map((c) => header(c.key, c))}
      </div>
      <div style={{ height: rows * ROW, minWidth: width, position: 'relative' }}>{visible}</div>
    </div>
    </>
  );
}
