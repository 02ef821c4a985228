// Alerts: every rule with its condition, deployment and state, the history
// of transitions (?rule= filters it, ?limit= caps it) and "Evaluate now".
import { useMemo, useState } from 'preact/hooks';
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { setQuery } from '../../lib/router';
import { fmtNumber } from '../../lib/format';
import { Empty, ErrorBox, Loading, PageHeader, Section } from '../../components/common';
import { alertRows, evaluationSummary } from './alertShape';
import { HistoryTable, RulesTable, StateBadge } from './AlertTables';
import type { AlertEvent, AlertRule, AlertState } from './types';
import './monitoring.css';

const exampleRules = `# rules.yaml
rules:
  - name: income-drift
    deployment: credit-api
    expr: psi(feature=income) > 0.2     # or dataset_drift_share > 0.3, auc < 0.75, error_rate > 1%
    for: 2                              # consecutive windows
    min_rows: 100
    severity: critical
    pipeline: credit-retrain            # optional: the pipeline a firing starts

ferry monitor alerts apply rules.yaml
# or in Python: client.set_alert_rules("rules.yaml")  (or a list of rule dicts)`;

export function AlertsView({ query }: ViewProps) {
  const rule = query.get('rule') ?? undefined;
  const limit = query.get('limit') ?? undefined;
  const rules = useApi((s) => api.get<{ rules: AlertRule[] }>('/api/v1/alerts/rules', undefined, s), []);
  const states = useApi((s) => api.get<{ alerts: AlertState[] }>('/api/v1/alerts', undefined, s), []);
  // Last fired per rule comes from the unfiltered history.
  const all = useApi((s) => api.get<{ events: AlertEvent[] }>('/api/v1/alerts/history', { limit: 1000 }, s), []);
  const history = useApi((s) => api.get<{ events: AlertEvent[] }>('/api/v1/alerts/history', { rule, limit }, s), [rule, limit]);
  const [evaluating, setEvaluating] = useState(false);
  const [result, setResult] = useState<AlertState[] | undefined>();
  const [evalError, setEvalError] = useState<Error | undefined>();

  const rows = useMemo(
    () => alertRows(rules.data?.rules ?? [], states.data?.alerts ?? [], all.data?.events ?? []),
    [rules.data, states.data, all.data],
  );
  const evaluate = async () => {
    setEvaluating(true);
    setEvalError(undefined);
    try {
      const r = await api.post<{ alerts: AlertState[] }>('/api/v1/alerts/evaluate');
      setResult(r.alerts);
      states.reload();
      all.reload();
      history.reload();
    } catch (e) {
      setEvalError(e as Error);
    } finally {
      setEvaluating(false);
    }
  };
  const names = rows.map((r) => r.rule.name);
  const shownLimit = Number(limit ?? 100);

  return (
    <div data-testid="alerts-view">
      <PageHeader title="Alerts" sub="Rules on monitoring metrics, evaluated after each ingestion pass">
        <button class="primary" data-testid="evaluate" onClick={evaluate} disabled={evaluating}>
          {evaluating ? 'Evaluating…' : 'Evaluate now'}
        </button>
      </PageHeader>
      <ErrorBox error={evalError} title="Evaluating the rules failed" />
      {result && (
        <div class="mon-result" data-testid="evaluate-result">
          <strong>{evaluationSummary(result)}.</strong>{' '}
          {result.map((a) => (
            <span key={a.rule.name} style={{ marginRight: '12px' }}>
              {a.rule.name}: <StateBadge state={a.state} />
              {a.value !== null && ` ${fmtNumber(a.value)}`}
              {a.error && <span style={{ color: 'var(--bad)' }}> ({a.error})</span>}
            </span>
          ))}
          <button style={{ marginLeft: '8px' }} onClick={() => setResult(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      <Section title="Rules and states" testid="section-rules">
        <ErrorBox error={rules.error} title="Loading the rules failed" />
        <ErrorBox error={states.error} title="Loading the alert states failed" />
        <ErrorBox error={all.error} title="Loading the alert history failed" />
        {(rules.loading || states.loading) && !rules.data && <Loading what="rules" />}
        {rules.data && !states.loading && rows.length === 0 && (
          <Empty title="No alert rules yet">
            <p>Write the rules in YAML and apply them (all or none), with the CLI or the Python SDK:</p>
            <pre>{exampleRules}</pre>
          </Empty>
        )}
        {rows.length > 0 && <RulesTable rows={rows} />}
      </Section>
      <Section title="History" testid="section-history">
        <div class="row" style={{ marginBottom: '8px' }}>
          <label class="muted">
            rule{' '}
            <select data-testid="history-rule" value={rule ?? ''} onChange={(e) => setQuery({ rule: (e.target as HTMLSelectElement).value || null })}>
              <option value="">all rules</option>
              {[...new Set([...names, ...(rule ? [rule] : [])])].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <span class="muted">newest first</span>
        </div>
        <ErrorBox error={history.error} title="Loading the history failed" />
        {history.loading && !history.data && <Loading what="history" />}
        {history.data && history.data.events.length === 0 && (
          <Empty title={rule ? `No transitions of ${rule} yet` : 'No alert transitions yet'}>
            <p>
              A rule's transitions (firing, resolved) appear here once it is evaluated on monitoring windows: serve traffic,
              let the server ingest it, or press <em>Evaluate now</em>.
            </p>
          </Empty>
        )}
        {!history.error && history.data && history.data.events.length > 0 && (
          <>
            <HistoryTable events={history.data.events} />
            {history.data.events.length >= shownLimit && shownLimit < 10000 && (
              <button data-testid="history-more" style={{ marginTop: '8px' }} onClick={() => setQuery({ limit: String(Math.min(10000, shownLimit * 2)) })}>
                Show more
              </button>
            )}
          </>
        )}
      </Section>
    </div>
  );
}
