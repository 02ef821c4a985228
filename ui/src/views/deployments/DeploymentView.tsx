// /deployments/:name: the traffic policy, each arm's version, backend,
// readiness, requests and failures, shadow agreement, the spec, and live
// request rate / errors / latency per version.
import type { ViewProps } from '../../App';
import { api } from '../../lib/api';
import { useApi } from '../../lib/useApi';
import { fmtNumber, fmtPercent, fmtTime } from '../../lib/format';
import { Badge, ErrorBox, KeyValues, Loading, PageHeader, Section } from '../../components/common';
import { agreement, apiDeployment, deploymentHealth, deploymentPath, type Deployment } from './deploymentData';
import { LiveStats } from './LiveStats';
import { TrafficBar } from './TrafficBar';
import { versionPath } from '../registry/registryData';
import './deployments.css';

export function DeploymentView({ params }: ViewProps) {
  const name = params.name;
  const { data, error, loading } = useApi(
    (signal) => api.get<{ deployment: Deployment }>(apiDeployment(name), undefined, signal),
    [name],
    { pollMs: 5000 },
  );
  const d = data?.deployment;
  const health = d ? deploymentHealth(d) : undefined;
  const agreed = d ? agreement(d.shadow_comparison) : null;
  return (
    <div>
      <PageHeader title={name} sub={<><a href="/deployments">Deployments</a>{d ? <> · serving <code>{d.model}</code></> : ''}</>}>
        {health && <span class={`badge ${health === 'ready' ? 'ok' : health === 'degraded' ? 'warn' : 'bad'}`} data-testid="health">{health}</span>}
        <a href={`${deploymentPath(name)}/monitoring`} data-testid="monitoring-link">Monitoring →</a>
      </PageHeader>
      {/* A failed refresh keeps the last good data on screen. */}
      <ErrorBox error={error} />
      {loading && !d && <Loading what="deployment" />}
      {d && (
        <>
          <Section title="Traffic policy" testid="traffic-policy">
            <TrafficBar deployment={d} />
            {d.shadow_comparison && (
              <p data-testid="shadow-agreement">
                Shadow vs primary: <strong>{agreed === null ? '—' : fmtPercent(agreed)}</strong> agreement
                <span class="muted"> ({fmtNumber(d.shadow_comparison.agreed)} of {fmtNumber(d.shadow_comparison.compared)} compared answers agreed)</span>
              </p>
            )}
          </Section>
          <Section title="Arms" testid="arms">
            <div class="scroll-x">
              <table class="data" data-testid="arms-table">
                <thead>
                  <tr><th>Role</th><th>Reference</th><th>Version</th><th>Backend</th><th>Ready</th><th>Healthy</th><th class="num">Requests</th><th class="num">Failures</th><th>Loaded</th><th>I/O</th></tr>
                </thead>
                <tbody>
                  {d.arms.map((a) => (
                    <tr key={a.role} data-testid="arm-row" data-role={a.role}>
                      <td><strong>{a.role}</strong></td>
                      <td><code>{a.ref}</code></td>
                      <td>{a.version ? <a href={versionPath(a.model, a.version)}>v{a.version}</a> : '—'}</td>
                      <td>{a.backend ?? '—'}</td>
                      <td><Badge value={a.ready ? 'ok' : 'failed'} /></td>
                      <td><Badge value={a.healthy ? 'ok' : 'failed'} /></td>
                      <td class="num">{fmtNumber(a.requests)}</td>
                      <td class="num">{fmtNumber(a.failures)}</td>
                      <td>{fmtTime(a.loaded_time)}</td>
                      <td class="muted">{a.inputs ? `${a.inputs.length} in → ${(a.outputs ?? []).map((o) => o.name).join(', ')}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {d.arms.filter((a) => a.error).map((a) => (
              <ErrorBox key={a.role} error={new Error(a.error)} title={`The ${a.role} arm (${a.ref}) is not serving`} />
            ))}
          </Section>
          <LiveStats name={name} />
          <Section title="Specification">
            <KeyValues rows={[
              ['Created', fmtTime(d.created_time)],
              ['Updated', fmtTime(d.updated_time)],
              ['Batching', d.batching ? Object.entries(d.batching).map(([k, v]) => `${k}=${v}`).join(', ') : '—'],
              ['Payload log', d.payload_log ? `${fmtPercent(d.payload_log.sample_rate, 0)} of requests sampled` : '—'],
              ['Endpoints', <><code>POST /v2/models/{name}/infer</code>, <code>POST {apiDeployment(name)}/invocations</code></>],
            ]} />
          </Section>
        </>
      )}
    </div>
  );
}
