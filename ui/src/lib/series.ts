// Series arithmetic for charts: smoothing, aligning series that have
// different x values, and the colour of the n-th series.

// TensorBoard-style exponential moving average with debiasing; weight in [0, 1).
export function smooth(ys: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return ys.slice();
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return ys.map((y) => {
    if (y === null || !Number.isFinite(y)) return y;
    last = last * w + (1 - w) * y;
    n++;
    return last / (1 - Math.pow(w, n));
  });
}

export interface XY {
  x: number[];
  y: (number | null)[];
}

// One shared, sorted x axis and each series' y at those x (null where a series has no point).
export function align(series: XY[]): [number[], ...(number | null)[][]] {
  const xs = new Set<number>();
  for (const s of series) for (const x of s.x) xs.add(x);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map<number, number>();
  x.forEach((v, i) => index.set(v, i));
  const ys = series.map((s) => {
    const out: (number | null)[] = new Array(x.length).fill(null);
    s.x.forEach((xv, i) => {
      out[index.get(xv)!] = s.y[i];
    });
    return out;
  });
  return [x, ...ys];
}

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
export function colour(i: number): string {
  return palette[i % palette.length];
}

// Log scales cannot show values <= 0: they become gaps.
export function forLogScale(ys: (number | null)[]): (number | null)[] {
  return ys.map((y) => (y === null || !(y > 0) ? null : y));
}
