// The time range of the monitoring page, kept in the URL query:
//   ?last=24h            a preset (1h, 6h, 24h, 7d, 30d) counted back from now
//   ?from=MS&to=MS       milliseconds since the epoch; sent to the server as
//                        written, so a bad value shows the server's own error
//   ?wfrom=MS&wto=MS     one chosen window for the drift report (else the range)

export const presets: [string, number][] = [
  ['1h', 3600_000],
  ['6h', 6 * 3600_000],
  ['24h', 24 * 3600_000],
  ['7d', 7 * 24 * 3600_000],
  ['30d', 30 * 24 * 3600_000],
];

export interface Range {
  from?: string;
  to?: string;
  label: string;
  error?: string; // a problem the server cannot see (an unknown preset)
}

export function parseRange(query: URLSearchParams, now: number): Range {
  const from = query.get('from') ?? undefined;
  const to = query.get('to') ?? undefined;
  if (from !== undefined || to !== undefined) {
    return { from, to, label: `${from ?? '…'} → ${to ?? 'now'}` };
  }
  const last = query.get('last');
  if (last) {
    const p = presets.find(([k]) => k === last);
    if (!p) return { label: `last ${last}`, error: `unknown range 'last=${last}' (one of ${presets.map(([k]) => k).join(', ')})` };
    return { from: String(now - p[1]), label: `last ${last}` };
  }
  return { label: 'last 24h (the server default)' };
}

// The drift report's range: the chosen window, else the page's range.
export function reportRange(query: URLSearchParams, range: Range): { from?: string; to?: string; window: boolean } {
  const wfrom = query.get('wfrom');
  const wto = query.get('wto');
  if (wfrom && wto) return { from: wfrom, to: wto, window: true };
  return { from: range.from, to: range.to, window: false };
}

const pad = (n: number) => String(n).padStart(2, '0');

// Milliseconds to the value of an <input type="datetime-local"> (local time).
export function toLocalInput(ms: number | string | undefined): string {
  if (ms === undefined || ms === '' || !Number.isFinite(Number(ms))) return '';
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// An <input type="datetime-local"> value to milliseconds; undefined when empty or unreadable.
export function fromLocalInput(v: string): number | undefined {
  if (!v) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) return undefined;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0);
  return Number.isNaN(d.getTime()) ? undefined : d.getTime();
}
