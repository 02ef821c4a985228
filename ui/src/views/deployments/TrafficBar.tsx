// The traffic policy as a bar: primary and canary share live requests; a
// shadow gets a copy of every request (drawn as a second, striped bar).
import type { Deployment } from './deploymentData';
import { trafficSplit } from './deploymentData';

export function TrafficBar({ deployment }: { deployment: Deployment }) {
  const { live, shadow } = trafficSplit(deployment);
  return (
    <div data-testid="traffic">
      <div class="traffic" role="img" aria-label={live.map((s) => `${s.role} ${s.percent}%`).join(', ')}>
        {live.filter((s) => s.percent > 0).map((s) => (
          <div key={s.role} class={s.role} style={{ width: `${s.percent}%` }} title={`${s.role}: ${s.ref} (${s.percent}%)`} data-testid={`traffic-${s.role}`}>
            {s.role} {s.percent}%
          </div>
        ))}
      </div>
      {shadow && (
        <div class="traffic shadow" title={`shadow: ${shadow.ref} sees a copy of every request`} data-testid="traffic-shadow">
          <div style={{ width: '100%' }}>shadow: copy of 100%</div>
        </div>
      )}
      <div class="traffic-legend">
        {live.map((s) => (
          <span key={s.role}><span class="swatch" style={{ background: s.role === 'primary' ? '#2563eb' : '#ea580c' }} />{s.role}: <code>{s.ref}</code> · {s.percent}%</span>
        ))}
        {shadow && <span><span class="swatch" style={{ background: '#9333ea' }} />shadow: <code>{shadow.ref}</code> · mirrored, answers discarded</span>}
      </div>
    </div>
  );
}
