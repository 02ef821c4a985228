// Deployment shapes (/api/v1/deployments) and the traffic split they imply.

export interface Io {
  name: string;
  datatype: string;
  shape: number[];
}

export interface Arm {
  role: 'primary' | 'canary' | 'shadow' | string;
  ref: string;
  model: string;
  ready: boolean;
  healthy: boolean;
  requests: number;
  failures: number;
  version?: string;
  backend?: string;
  loaded_time?: number;
  inputs?: Io[];
  outputs?: Io[];
  error?: string;
}

export interface Deployment {
  name: string;
  model: string;
  canary?: { model: string; percent: number };
  shadow?: { model: string };
  batching?: Record<string, number>;
  payload_log?: { sample_rate: number };
  created_time: number;
  updated_time: number;
  arms: Arm[];
  shadow_comparison?: { compared: number; agreed: number };
}

export const deploymentPath = (name: string) => `/deployments/${encodeURIComponent(name)}`;
export const apiDeployment = (name: string) => `/api/v1/deployments/${encodeURIComponent(name)}`;

export interface TrafficShare {
  role: string;
  ref: string;
  percent: number; // of live traffic; a shadow sees a copy of 100%
}

// Live traffic: the primary takes what the canary does not; a shadow gets a copy.
export function trafficSplit(d: Pick<Deployment, 'model' | 'canary' | 'shadow'>): { live: TrafficShare[]; shadow?: TrafficShare } {
  const canary = d.canary && d.canary.model ? Math.min(100, Math.max(0, d.canary.percent)) : 0;
  const live: TrafficShare[] = [{ role: 'primary', ref: d.model, percent: 100 - canary }];
  if (d.canary && d.canary.model) live.push({ role: 'canary', ref: d.canary.model, percent: canary });
  const shadow = d.shadow && d.shadow.model ? { role: 'shadow', ref: d.shadow.model, percent: 100 } : undefined;
  return { live, shadow };
}

export function deploymentHealth(d: Deployment): 'ready' | 'degraded' | 'down' {
  const live = d.arms.filter((a) => a.role !== 'shadow');
  if (live.length > 0 && live.every((a) => a.ready && a.healthy) && d.arms.every((a) => a.ready && a.healthy)) return 'ready';
  if (live.some((a) => a.ready && a.healthy)) return 'degraded';
  return 'down';
}

export function agreement(c: Deployment['shadow_comparison']): number | null {
  if (!c || c.compared <= 0) return null;
  return c.agreed / c.compared;
}
