// The model's audit log (GET /api/v1/models/{name}/events, every page up to
// a cap), newest first, filterable by action; gate decisions open to their
// evidence.
import { useState } from 'preact/hooks';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { fmtTime } from '../../lib/format';
import { Empty, ErrorBox, Loading, Section } from '../../components/common';
import { GateEvidence } from './GateEvidence';
import { apiModel, eventDecision, eventSummary, newestFirst, type RegistryEvent } from './registryData';

const PAGE = 200;
const MAX_PAGES = 10;
const SHOWN = 50;

async function loadEvents(model: string, signal: AbortSignal): Promise<{ events: RegistryEvent[]; capped: boolean }> {
  let events: RegistryEvent[] = [];
  let token = '';
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await api.get<{ events: RegistryEvent[]; next_page_token: string }>(
      `${apiModel(model)}/events`, { max_results: PAGE, page_token: token }, signal);
    events = events.concat(page.events);
    token = page.next_page_token;
    if (!token) return { events: newestFirst(events), capped: false };
  }
  return { events: newestFirst(events), capped: true };
}

export function EventsTable({ model, action, onAction, version, refresh = 0 }: {
  model: string;
  refresh?: number; // changes when the caller changed the registry
  action: string;
  onAction: (a: string) => void;
  version?: string; // only this version's events
}) {
  const { data, error, loading } = useApi((signal) => loadEvents(model, signal), [model, refresh]);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [shown, setShown] = useState(SHOWN);
  const all = (data?.events ?? []).filter((e) => !version || e.version === version);
  const actions = [...new Set(all.map((e) => e.action))].sort();
  const events = all.filter((e) => !action || e.action === action);
  const toggle = (id: number) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };
  return (
    <Section title="Audit log" testid="audit-log">
      <ErrorBox error={error} />
      {loading && !data && <Loading what="audit log" />}
      {data && all.length === 0 && (
        <Empty title="No events yet">
          <p>Registering versions, moving aliases and evaluating the gate are recorded here.</p>
        </Empty>
      )}
      {all.length > 0 && (
        <>
          <div class="row" style="margin-bottom:8px">
            <label class="row">
              Action
              <select value={action} data-testid="event-action" onChange={(e) => onAction((e.target as HTMLSelectElement).value)}>
                <option value="">all ({all.length})</option>
                {actions.map((a) => <option key={a} value={a}>{a}</option>)}
              </select>
            </label>
            {data?.capped && <span class="muted">showing the first {PAGE * MAX_PAGES} events</span>}
          </div>
          <div class="scroll-x">
            <table class="data" data-testid="events-table">
              <thead>
                <tr><th>Time</th><th>Actor</th><th>Action</th><th>Version</th><th>What</th><th>Reason</th></tr>
              </thead>
              <tbody>
                {events.slice(0, shown).map((e) => {
                  const d = eventDecision(e);
                  return [
                    <tr key={e.event_id} data-testid="event-row">
                      <td>{fmtTime(e.time)}</td>
                      <td>{e.actor}</td>
                      <td>{e.action}</td>
                      <td>{e.version ? <a href={`/models/${encodeURIComponent(model)}/versions/${e.version}`}>v{e.version}</a> : ''}</td>
                      <td>
                        {eventSummary(e)}
                        {d && (
                          <button style="margin-left:8px" data-testid="show-evidence" onClick={() => toggle(e.event_id)}>
                            {open.has(e.event_id) ? 'hide evidence' : 'evidence'}
                          </button>
                        )}
                      </td>
                      <td class="wrap">{e.reason}</td>
                    </tr>,
                    d && open.has(e.event_id) ? (
                      <tr key={`${e.event_id}-d`} class="event-detail">
                        <td colSpan={6}><GateEvidence decision={d.decision} testid="event-evidence" /></td>
                      </tr>
                    ) : null,
                  ];
                })}
              </tbody>
            </table>
          </div>
          {events.length > shown && (
            <button style="margin-top:8px" onClick={() => setShown(shown + SHOWN)}>Show {Math.min(SHOWN, events.length - shown)} more</button>
          )}
        </>
      )}
    </Section>
  );
}
