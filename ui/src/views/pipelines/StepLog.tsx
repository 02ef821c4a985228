// One step's log, read by byte offset: every chunk is appended (the last
// 1 MiB is kept, with a note), and while the step can still write, the
// offset is polled and new text appended.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox } from '../../components/common';
import { api } from '../../lib/api';
import { fmtBytes } from '../../lib/format';
import { appendChunk, emptyLog, LOG_CAP, type LogBuffer } from './logBuffer';
import type { LogChunk } from './types';

const POLL_MS = 1500;

export function StepLog({ runId, step }: { runId: string; step: string }) {
  const [buf, setBuf] = useState<LogBuffer>(emptyLog);
  const [error, setError] = useState<Error | undefined>();
  const [loading, setLoading] = useState(true);
  const pre = useRef<HTMLPreElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    const ctl = new AbortController();
    let timer: number | undefined;
    let cur = emptyLog();
    setBuf(cur);
    setError(undefined);
    setLoading(true);
    const path = `/api/v1/pipeline-runs/${encodeURIComponent(runId)}/logs/${encodeURIComponent(step)}`;
    const pump = async () => {
      try {
        for (;;) {
          const chunk = await api.get<LogChunk>(path, { offset: cur.offset }, ctl.signal);
          if (ctl.signal.aborted) return;
          cur = appendChunk(cur, chunk, LOG_CAP);
          setBuf(cur);
          setError(undefined);
          setLoading(false);
          if (cur.complete) return;
          if (!chunk.text) break; // caught up: wait for more
        }
        timer = window.setTimeout(pump, POLL_MS);
      } catch (e) {
        if (ctl.signal.aborted || (e as Error).name === 'AbortError') return;
        setError(e as Error);
        setLoading(false);
        timer = window.setTimeout(pump, POLL_MS * 2);
      }
    };
    void pump();
    return () => {
      ctl.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [runId, step]);

  // Keep the newest text in view while following (unless the reader scrolled up).
  useEffect(() => {
    const el = pre.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [buf.text]);

  return (
    <div data-testid="step-log-box">
      <div class="row muted">
        <span>
          {fmtBytes(buf.offset)} read{buf.complete ? ', complete' : loading ? '' : ', following…'}
        </span>
      </div>
      {buf.dropped > 0 && (
        <div class="log-note" data-testid="log-capped">
          Showing the last {fmtBytes(LOG_CAP)}; {fmtBytes(buf.dropped)} before it are not shown. The whole log:{' '}
          <code>
            ferry pipeline logs {runId} {step}
          </code>
        </div>
      )}
      <ErrorBox error={error} title={`Could not read the log of ${step}`} />
      <pre
        class="log"
        data-testid="step-log"
        data-complete={String(buf.complete)}
        ref={pre}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLPreElement;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}
      >
        {loading && !buf.text ? 'Loading…' : buf.text || (buf.complete ? '(the step wrote nothing)' : '(nothing yet)')}
      </pre>
    </div>
  );
}
