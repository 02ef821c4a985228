// The JSON shapes of the monitoring and alert APIs (src/api/monitoring/*.cc,
// src/monitoring/drift_json.cc, ground_truth.cc, performance.cc).

export interface MonitorWindow {
  model: string;
  version: number;
  start: number;
  end: number;
  rows: number;
}

export interface SeriesColumn {
  test: string;
  score: number | null;
  drifted: boolean;
}

export interface SeriesWindow {
  start: number;
  end: number;
  rows: number;
  dataset_drift: boolean;
  share_of_drifted_columns: number;
  drifted_columns: number;
  columns: Record<string, SeriesColumn>;
}

export interface DriftSeries {
  model: string;
  version: number;
  windows: SeriesWindow[];
}

export interface Histogram {
  reference: number[];
  current: number[];
  edges?: number[];
  labels?: string[];
}

export interface DriftColumn {
  column: string;
  kind: string;
  tested: boolean;
  reason?: string;
  test?: string;
  threshold?: number;
  statistic?: number | null;
  p_value?: number | null;
  score?: number | null;
  drifted?: boolean;
  reference_count?: number;
  current_count?: number;
  histogram?: Histogram;
}

export interface Finding {
  column: string;
  kind: string;
  count: number;
  message: string;
}

export interface DriftReport {
  model: string;
  version: number;
  from: number;
  to: number;
  dataset_drift: boolean;
  drift_share: number;
  drifted_columns: number;
  tested_columns: number;
  share_of_drifted_columns: number;
  reference_rows: number;
  current_rows: number;
  columns: DriftColumn[];
  findings: Finding[];
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  mean_predicted: number;
  fraction_positive: number;
}

export interface PerfMetrics {
  task: string;
  output: string;
  rows: number;
  classes: string[];
  confusion: number[][];
  reliability: ReliabilityBin[];
  notes: string[];
  [metric: string]: unknown;
}

export interface LabelDelay {
  count: number;
  mean_s?: number;
  p50_s?: number;
  p90_s?: number;
  max_s?: number;
}

export interface VersionPerformance {
  model: string;
  version: number;
  roles: string[];
  metrics: PerfMetrics;
  label_delay: LabelDelay;
  rows_out_of_range: number;
  outputs_missing: number;
  windows: { start: number; end: number; metrics: PerfMetrics; label_delay: LabelDelay }[];
}

export interface Performance {
  deployment: string;
  from: number;
  to: number;
  unmatched_labels: number;
  versions: VersionPerformance[];
}

export interface AlertRule {
  name: string;
  deployment: string;
  expr: string;
  for: number;
  min_rows: number;
  severity: string;
  pipeline?: string;
  description?: string;
}

export interface AlertState {
  rule: AlertRule;
  state: string;
  since: number;
  value: number | null;
  window_start: number | null;
  model: string;
  version: number;
  error: string;
  evaluated_time: number;
}

export interface AlertEvent {
  id: number;
  rule: string;
  deployment: string;
  model: string;
  version: number;
  from: string;
  to: string;
  kind: string;
  value: number | null;
  threshold: number;
  window_start: number | null;
  time: number;
  notified: boolean;
}
