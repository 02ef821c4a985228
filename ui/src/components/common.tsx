// Small building blocks every view uses: errors, empty states, loading,
// headers, key/value tables, tabs, badges.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../lib/api';

export function ErrorBox({ error, title }: { error: Error | undefined; title?: string }) {
  if (!error) return null;
  const code = error instanceof ApiError ? ` (${error.status ? `HTTP ${error.status} ` : ''}${error.code})` : '';
  return (
    <div class="error-box" role="alert" data-testid="error">
      <strong>{title ?? 'The server refused this'}</strong>
      {code}: {error.message}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" data-testid="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function Loading({ what }: { what?: string }) {
  return <div class="loading">Loading{what ? ` ${what}` : ''}…</div>;
}

export function PageHeader({ title, sub, children }: { title: ComponentChildren; sub?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div>
        <h1>{title}</h1>
        {sub && <div class="sub">{sub}</div>}
      </div>
      <div class="actions">{children}</div>
    </header>
  );
}

export function KeyValues({ rows, testid }: { rows: [string, ComponentChildren][]; testid?: string }) {
  return (
    <table class="kv" data-testid={testid}>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Tabs({ tabs, active, onSelect }: { tabs: [string, string][]; active: string; onSelect: (id: string) => void }) {
  return (
    <nav class="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} role="tab" aria-selected={id === active} class={id === active ? 'active' : ''} onClick={() => onSelect(id)}>
          {label}
        </button>
      ))}
    </nav>
  );
}

const stateClass: Record<string, string> = {
  FINISHED: 'ok', succeeded: 'ok', ok: 'ok', cached: 'ok', READY: 'ok', passed: 'ok', resolved: 'ok',
  RUNNING: 'run', running: 'run', queued: 'run', pending: 'idle', SCHEDULED: 'idle',
  FAILED: 'bad', failed: 'bad', KILLED: 'warn', cancelled: 'warn', skipped: 'idle', firing: 'bad', refused: 'bad',
};

export function Badge({ value }: { value: string | undefined }) {
  if (!value) return null;
  return <span class={`badge ${stateClass[value] ?? ''}`}>{value}</span>;
}

export function Section({ title, children, testid }: { title: ComponentChildren; children: ComponentChildren; testid?: string }) {
  return (
    <section class="section" data-testid={testid}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
