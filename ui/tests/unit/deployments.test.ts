import { describe, expect, it } from 'vitest';
import { appendPoints, histogramDelta, histogramQuantile, pointsBetween, requestCounts, type HistogramJson, type StatsJson } from '../../src/views/deployments/stats';
import { agreement, deploymentHealth, trafficSplit, type Deployment } from '../../src/views/deployments/deploymentData';

const hist = (cumulative: number[], count: number, bounds = [0.1, 0.2, 0.5, 1], sum = 0): HistogramJson => ({ bounds, cumulative, count, sum });

describe('histogramQuantile (Prometheus histogram_quantile)', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 10 observations: 4 in (0, 0.1], 4 in (0.1, 0.2], 2 in (0.2, 0.5].
    const h = hist([4, 8, 10, 10], 10);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.125); // rank 5: 1 of 4 into (0.1, 0.2]
    expect(histogramQuantile(0.2, h)).toBeCloseTo(0.05); // rank 2 in the first bucket, from 0
    expect(histogramQuantile(0.9, h)).toBeCloseTo(0.35); // rank 9: 1 of 2 into (0.2, 0.5]
    expect(histogramQuantile(1, h)).toBeCloseTo(0.5);
  });

  it('answers the highest finite bound for a rank in the +Inf bucket', () => {
    const h = hist([1, 1, 1, 1], 4); // three observations above 1 s
    expect(histogramQuantile(0.99, h)).toBe(1);
  });

  it('has no answer without observations, and ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, hist([0, 0, 0, 0], 0))).toBeNull();
    expect(histogramQuantile(-0.1, hist([1, 1, 1, 1], 1))).toBe(-Infinity);
    expect(histogramQuantile(1.1, hist([1, 1, 1, 1], 1))).toBe(Infinity);
  });

  it('skips empty buckets before the rank', () => {
    const h = hist([0, 0, 5, 5], 5);
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.2 + 0.3 * 0.5);
  });
});

describe('histogramDelta', () => {
  it('subtracts the older snapshot bucket by bucket', () => {
    const d = histogramDelta(hist([4, 8, 10, 10], 12, undefined, 3), hist([1, 2, 2, 2], 3, undefined, 1));
    expect(d.cumulative).toEqual([3, 6, 8, 8]);
    expect(d.count).toBe(9);
    expect(d.sum).toBeCloseTo(2);
  });

  it('takes the newer snapshot whole after a restart (counters went down)', () => {
    const now = hist([1, 1, 1, 1], 1);
    expect(histogramDelta(now, hist([4, 8, 10, 10], 10))).toBe(now);
    expect(histogramDelta(now, undefined)).toBe(now);
  });
});

const version = (version: string, ok: number, bad: number, latency: HistogramJson) => ({
  model: 'credit', version, requests: { primary: { OK: ok, ...(bad ? { INVALID_ARGUMENT: bad } : {}) } },
  latency_seconds: latency, queue_seconds: hist([0, 0, 0, 0], 0),
});

describe('rates between polls', () => {
  it('counts requests by outcome and role', () => {
    const c = requestCounts({ requests: { primary: { OK: 5, INTERNAL: 1 }, shadow: { OK: 6 } } });
    expect(c).toEqual({ total: 12, ok: 11, errors: 1, byRole: { primary: 6, shadow: 6 } });
  });

  it('computes requests per second, non-OK share and percentiles per version', () => {
    const before: StatsJson = { deployment: 'd', time: 10_000, versions: [version('1', 10, 0, hist([10, 10, 10, 10], 10))] };
    const now: StatsJson = {
      deployment: 'd', time: 12_000,
      versions: [version('1', 18, 2, hist([14, 18, 18, 18], 18)), version('2', 4, 0, hist([0, 4, 4, 4], 4))],
    };
    const points = pointsBetween(before, now);
    const v1 = points.get('credit v1')!;
    expect(v1.time).toBe(12_000);
    expect(v1.rps).toBeCloseTo(5); // 10 more requests in 2 s
    expect(v1.errorRate).toBeCloseTo(0.2);
    expect(v1.p50).toBeCloseTo(0.1); // delta: 4 in the first bucket, 4 in the second; rank 4
    const v2 = points.get('credit v2')!; // new version: everything is new
    expect(v2.rps).toBeCloseTo(2);
    expect(v2.errorRate).toBe(0);
    expect(v2.p99).toBeCloseTo(0.1 + 0.1 * 0.99);
  });

  it('leaves latency and error share empty when no requests came', () => {
    const s: StatsJson = { deployment: 'd', time: 1000, versions: [version('1', 3, 0, hist([3, 3, 3, 3], 3))] };
    const p = pointsBetween(s, { ...s, time: 3000 }).get('credit v1')!;
    expect(p.rps).toBe(0);
    expect(p.errorRate).toBeNull();
    expect(p.p50).toBeNull();
  });

  it('keeps a capped history per version', () => {
    let h = new Map();
    for (let i = 0; i < 5; i++) {
      h = appendPoints(h, new Map([['a', { time: i, rps: i, errorRate: null, p50: null, p90: null, p99: null }]]), 3);
    }
    expect(h.get('a').map((p: { time: number }) => p.time)).toEqual([2, 3, 4]);
  });

  it('starts a new version\'s history at the earlier poll', () => {
    const point = { time: 12_000, rps: 2, errorRate: 0, p50: 0.1, p90: 0.1, p99: 0.1 };
    const h = appendPoints(new Map(), new Map([['a', point]]), 10, 10_000);
    expect(h.get('a')).toEqual([{ time: 10_000, rps: null, errorRate: null, p50: null, p90: null, p99: null }, point]);
    const again = appendPoints(h, new Map([['a', { ...point, time: 14_000 }]]), 10, 12_000);
    expect(again.get('a')!.map((p) => p.time)).toEqual([10_000, 12_000, 14_000]);
  });
});

describe('traffic policy', () => {
  const base = { name: 'd', model: 'credit@champion', created_time: 0, updated_time: 0, arms: [] } as Deployment;

  it('splits live traffic between primary and canary; a shadow sees a copy', () => {
    const t = trafficSplit({ ...base, canary: { model: 'credit/3', percent: 20 }, shadow: { model: 'credit/4' } });
    expect(t.live).toEqual([
      { role: 'primary', ref: 'credit@champion', percent: 80 },
      { role: 'canary', ref: 'credit/3', percent: 20 },
    ]);
    expect(t.shadow).toEqual({ role: 'shadow', ref: 'credit/4', percent: 100 });
    expect(trafficSplit(base)).toEqual({ live: [{ role: 'primary', ref: 'credit@champion', percent: 100 }], shadow: undefined });
  });

  it('summarises health and shadow agreement', () => {
    const arm = (role: string, ok: boolean) => ({ role, ref: 'x', model: 'credit', ready: ok, healthy: ok, requests: 0, failures: 0 });
    expect(deploymentHealth({ ...base, arms: [arm('primary', true), arm('shadow', true)] })).toBe('ready');
    expect(deploymentHealth({ ...base, arms: [arm('primary', true), arm('canary', false)] })).toBe('degraded');
    expect(deploymentHealth({ ...base, arms: [arm('primary', false)] })).toBe('down');
    expect(agreement({ compared: 8, agreed: 6 })).toBeCloseTo(0.75);
    expect(agreement({ compared: 0, agreed: 0 })).toBeNull();
    expect(agreement(undefined)).toBeNull();
  });
});
