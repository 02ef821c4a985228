// Maps the runs table's row positions to rows when some parent runs are
// expanded: top-level runs come from offset-addressed pages, and an
// expanded parent's children are shown right after it.

export interface Expansion {
  parentOffset: number; // the parent's position among top-level runs
  count: number; // how many children are shown under it
}

export type Slot = { kind: 'top'; offset: number } | { kind: 'child'; parentOffset: number; index: number };

// `expansions` sorted by parentOffset.
export function slotAt(position: number, expansions: Expansion[]): Slot {
  let shift = 0;
  for (const e of expansions) {
    const parentPos = e.parentOffset + shift;
    if (position <= parentPos) break;
    if (position <= parentPos + e.count) return { kind: 'child', parentOffset: e.parentOffset, index: position - parentPos - 1 };
    shift += e.count;
  }
  return { kind: 'top', offset: position - shift };
}

export function totalRows(topLevel: number, expansions: Expansion[]): number {
  return topLevel + expansions.reduce((n, e) => n + e.count, 0);
}

// Which pages of `pageSize` top-level runs the rows [first, last] need.
export function pagesFor(first: number, last: number, expansions: Expansion[], pageSize: number): number[] {
  const pages = new Set<number>();
  for (const pos of [first, last]) {
    const s = slotAt(pos, expansions);
    const off = s.kind === 'top' ? s.offset : s.parentOffset;
    pages.add(Math.floor(off / pageSize));
  }
  const [a, b] = [Math.min(...pages), Math.max(...pages)];
  const out: number[] = [];
  for (let p = a; p <= b; p++) out.push(p);
  return out;
}
