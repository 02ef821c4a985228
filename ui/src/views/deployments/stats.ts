// Live serving statistics from GET /api/v1/deployments/{name}/stats: the
// server sends counters since it started (requests by arm and status code,
// cumulative latency histograms per model version); rates and percentiles
// come from the deltas between two polls.

export interface HistogramJson {
  bounds: number[]; // bucket upper bounds (seconds), ascending; +Inf is implied
  cumulative: number[]; // cumulative[i] = observations <= bounds[i]
  count: number; // all observations (the +Inf bucket)
  sum: number;
}

export interface VersionStatsJson {
  model: string;
  version: string;
  requests: Record<string, Record<string, number>>; // role -> status code name -> count
  latency_seconds: HistogramJson;
  queue_seconds: HistogramJson;
}

export interface StatsJson {
  deployment: string;
  time: number; // server time, ms
  versions: VersionStatsJson[];
}

// Prometheus' histogram_quantile: find the bucket that holds rank q·count and
// interpolate linearly inside it (the first bucket starts at 0; a rank in the
// +Inf bucket answers the highest finite bound). null when there are no observations.
export function histogramQuantile(q: number, h: HistogramJson): number | null {
  const n = h.bounds.length;
  if (!(h.count > 0) || Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * h.count;
  let b = 0;
  while (b < n && h.cumulative[b] < rank) b++;
  if (b === n) return n > 0 ? h.bounds[n - 1] : null;
  if (b === 0 && h.bounds[0] <= 0) return h.bounds[0];
  const start = b === 0 ? 0 : h.bounds[b - 1];
  const end = h.bounds[b];
  const below = b === 0 ? 0 : h.cumulative[b - 1];
  const inBucket = h.cumulative[b] - below;
  if (inBucket <= 0) return end;
  return start + (end - start) * ((rank - below) / inBucket);
}

// The observations between two snapshots (a counter that went down means the
// server restarted: the newer snapshot is the delta).
export function histogramDelta(now: HistogramJson, before: HistogramJson | undefined): HistogramJson {
  if (!before || before.bounds.length !== now.bounds.length || before.count > now.count ||
      now.cumulative.some((c, i) => c < (before.cumulative[i] ?? 0))) {
    return now;
  }
  return {
    bounds: now.bounds,
    cumulative: now.cumulative.map((c, i) => c - before.cumulative[i]),
    count: now.count - before.count,
    sum: now.sum - before.sum,
  };
}

export interface RequestCounts {
  total: number;
  ok: number;
  errors: number; // any status but OK
  byRole: Record<string, number>;
}

export function requestCounts(v: Pick<VersionStatsJson, 'requests'>): RequestCounts {
  const out: RequestCounts = { total: 0, ok: 0, errors: 0, byRole: {} };
  for (const [role, codes] of Object.entries(v.requests)) {
    for (const [code, n] of Object.entries(codes)) {
      out.total += n;
      if (code === 'OK') out.ok += n;
      else out.errors += n;
      out.byRole[role] = (out.byRole[role] ?? 0) + n;
    }
  }
  return out;
}

export const versionKey = (v: Pick<VersionStatsJson, 'model' | 'version'>) => `${v.model} v${v.version}`;

export interface Point {
  time: number; // ms, the later poll's server time
  rps: number | null; // requests per second
  errorRate: number | null; // share of requests that were not OK (null: no requests)
  p50: number | null; // seconds
  p90: number | null;
  p99: number | null;
}

// One point per version between two polls.
export function pointsBetween(before: StatsJson, now: StatsJson): Map<string, Point> {
  const out = new Map<string, Point>();
  const dt = (now.time - before.time) / 1000;
  const prev = new Map(before.versions.map((v) => [versionKey(v), v]));
  for (const v of now.versions) {
    const key = versionKey(v);
    const p = prev.get(key);
    const c = requestCounts(v);
    const pc = p ? requestCounts(p) : { total: 0, errors: 0 };
    const restarted = c.total < pc.total;
    const requests = restarted ? c.total : c.total - pc.total;
    const errors = restarted ? c.errors : c.errors - pc.errors;
    const lat = histogramDelta(v.latency_seconds, p?.latency_seconds);
    out.set(key, {
      time: now.time,
      rps: dt > 0 ? requests / dt : null,
      errorRate: requests > 0 ? errors / requests : null,
      p50: histogramQuantile(0.5, lat),
      p90: histogramQuantile(0.9, lat),
      p99: histogramQuantile(0.99, lat),
    });
  }
  return out;
}

// Appends the newest poll's points to each version's history (capped). A
// version seen for the first time starts with an empty point at `since` (the
// earlier poll), so a chart's time axis spans the interval, not one instant.
export function appendPoints(history: Map<string, Point[]>, points: Map<string, Point>, cap: number, since?: number): Map<string, Point[]> {
  const next = new Map(history);
  for (const [key, p] of points) {
    const start: Point[] = since !== undefined && since < p.time
      ? [{ time: since, rps: null, errorRate: null, p50: null, p90: null, p99: null }] : [];
    const list = [...(next.get(key) ?? start), p];
    next.set(key, list.length > cap ? list.slice(list.length - cap) : list);
  }
  return next;
}
