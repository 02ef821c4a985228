// Loads data for a view: aborts the request when the inputs change or the
// view goes away, keeps the server's error, and can reload or poll.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  options: { pollMs?: number; skip?: boolean } = {},
): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(!options.skip);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (options.skip) {
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    let timer: number | undefined;
    // The next poll is timed from the end of this request, so a slow server
    // is never asked again before it has answered.
    const schedule = () => {
      if (options.pollMs && !ctl.signal.aborted) timer = window.setTimeout(reload, options.pollMs);
    };
    setLoading(true);
    loadRef
      .current(ctl.signal)
      .then((d) => {
        if (ctl.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
        schedule();
      })
      .catch((e: Error) => {
        if (ctl.signal.aborted || e.name === 'AbortError') return;
        setError(e);
        setLoading(false);
        schedule();
      });
    return () => {
      ctl.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, options.skip]);

  return { data, error, loading, reload };
}
