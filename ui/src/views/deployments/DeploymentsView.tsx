// /deployments: every deployment with its model references, arms and roles,
// readiness and request counts (GET /api/v1/deployments, refreshed every 5 s).
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { fmtNumber, fmtTime } from '../../lib/format';
import { Empty, ErrorBox, Loading, PageHeader } from '../../components/common';
import { deploymentHealth, deploymentPath, trafficSplit, type Deployment } from './deploymentData';
import { versionPath } from '../registry/registryData';
import './deployments.css';

const healthBadge = { ready: 'READY', degraded: 'degraded', down: 'down' } as const;

export function DeploymentsView(_: ViewProps) {
  const { data, error, loading } = useApi(
    (signal) => api.get<{ deployments: Deployment[] }>('/api/v1/deployments', undefined, signal),
    [],
    { pollMs: 5000 },
  );
  const list = data?.deployments ?? [];
  return (
    <div>
      <PageHeader title="Deployments" sub="Models served behind an endpoint, with their traffic policy" />
      <ErrorBox error={error} />
      {loading && !data && <Loading what="deployments" />}
      {data && list.length === 0 && (
        <Empty title="No deployments yet">
          <p>Serve a registered model behind an endpoint:</p>
          <pre>{`ferry --url ${location.origin} deploy create credit-api \\
  --model credit@champion --canary credit@challenger:10`}</pre>
          <p>or <code>POST /api/v1/deployments</code> with <code>{'{"name": "credit-api", "model": "credit@champion"}'}</code>.</p>
        </Empty>
      )}
      {list.length > 0 && (
        <div class="section scroll-x">
          <table class="data" data-testid="deployments-table">
            <thead>
              <tr><th>Name</th><th>State</th><th>Traffic</th><th>Arms</th><th class="num">Requests</th><th class="num">Failures</th><th>Updated</th></tr>
            </thead>
            <tbody>
              {[...list].sort((a, b) => a.name.localeCompare(b.name)).map((d) => {
                const { live, shadow } = trafficSplit(d);
                const requests = d.arms.reduce((n, a) => n + a.requests, 0);
                const failures = d.arms.reduce((n, a) => n + a.failures, 0);
                const health = deploymentHealth(d);
                return (
                  <tr key={d.name} data-testid="deployment-row" data-name={d.name}>
                    <td><a href={deploymentPath(d.name)}>{d.name}</a></td>
                    <td><span class={`badge ${health === 'ready' ? 'ok' : health === 'degraded' ? 'warn' : 'bad'}`}>{healthBadge[health]}</span></td>
                    <td>
                      {live.map((s) => <div key={s.role}><code>{s.ref}</code> <span class="muted">{s.role} {s.percent}%</span></div>)}
                      {shadow && <div><code>{shadow.ref}</code> <span class="muted">shadow</span></div>}
                    </td>
                    <td>
                      <div class="roles">
                        {d.arms.map((a) => (
                          <span key={a.role} class={`badge ${a.ready && a.healthy ? 'ok' : a.error ? 'bad' : 'warn'}`} data-testid="arm" title={a.error ?? `${a.ref}: ${a.ready ? 'ready' : 'not ready'}`}>
                            {a.role}{a.version ? <> · <a href={versionPath(a.model, a.version)}>v{a.version}</a></> : ''}
                          </span>
                        ))}
                      </div>
                    </td>
                    <td class="num">{fmtNumber(requests)}</td>
                    <td class="num">{failures > 0 ? <span style="color:var(--bad)">{fmtNumber(failures)}</span> : '0'}</td>
                    <td>{fmtTime(d.updated_time)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
