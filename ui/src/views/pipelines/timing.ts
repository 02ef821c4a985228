// Durations of runs and steps: started/ended times in ms since the epoch
// (null until known); a running thing's duration runs to `now`.

export function durationMs(start: number | null | undefined, end: number | null | undefined, now: number): number | null {
  if (!start || start <= 0) return null;
  const stop = end && end > 0 ? end : now;
  return Math.max(0, stop - start);
}

// "12.3 s", "2 min 5 s"; running ones get a trailing "…" so the viewer knows it grows.
export function fmtSpan(start: number | null | undefined, end: number | null | undefined, now: number, fmt: (ms: number) => string): string {
  const d = durationMs(start, end, now);
  if (d === null) return '';
  return end && end > 0 ? fmt(d) : `${fmt(d)}…`;
}

// How long ago: "just now", "5 min ago", "3 h ago", "2 d ago".
export function ago(ms: number | null | undefined, now: number): string {
  if (!ms || ms <= 0) return '';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export const RUN_ENDED = ['succeeded', 'failed', 'cancelled', 'skipped'];
export const isEnded = (state: string | undefined) => !!state && RUN_ENDED.includes(state);
export const canCancel = (state: string | undefined) => state === 'queued' || state === 'running';
export const canResume = (state: string | undefined) => state === 'failed' || state === 'cancelled';
