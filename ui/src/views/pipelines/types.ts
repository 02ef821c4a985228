// The JSON shapes of /api/v1/pipelines, /api/v1/pipeline-runs and /api/v1/datasets
// (src/api/pipelines/pipeline_routes.cc, dataset_routes.cc).

export interface PipelineInfo {
  name: string;
  latest_version: number;
  workspace: string;
  next_schedule_time: number | null;
  created_time: number;
  updated_time: number;
}

export interface TriggerEvent {
  kind: string; // alert, dataset, registry
  name: string;
  action: string;
}

export interface StepSpec {
  name: string;
  needs: string[];
  uses?: string;
  run?: string | string[];
  retries?: number;
  timeout_ms?: number;
  cache?: boolean;
}

export interface PipelineSpec {
  name: string;
  description: string;
  params: Record<string, string>;
  triggers: { schedule: string; on: TriggerEvent[] };
  concurrency: string;
  steps: StepSpec[];
}

export interface PipelineDetail extends PipelineInfo {
  version: number;
  yaml: string;
  digest: string;
  spec?: PipelineSpec;
}

export interface StepRun {
  step: string;
  state: string;
  attempts: number;
  exit_code: number;
  timed_out: boolean;
  reused: boolean;
  error: string;
  start_time: number | null;
  end_time: number | null;
  cache_key: string;
  outputs: Record<string, string>;
  tracking_run_id: string;
}

export interface PipelineRun {
  run_id: string;
  pipeline: string;
  version: number;
  state: string;
  trigger: { kind: string; detail: Record<string, unknown> };
  params: Record<string, string>;
  tracking_run_id: string;
  resumed_from: string;
  error: string;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  steps: StepRun[];
}

export interface LogChunk {
  text: string;
  next_offset: number;
  complete: boolean;
}

export interface DatasetVersion {
  name: string;
  version: number;
  digest: string;
  source: string;
  description: string;
  files: number;
  bytes: number;
  created_time: number;
}

export interface ColumnProfile {
  name: string;
  kind: string;
  rows?: number;
  count?: number;
  missing?: number;
  missing_rate?: number;
  invalid?: number;
  distinct?: number;
  distinct_exact?: boolean;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  std?: number | null;
  quantiles?: Record<string, number | null>;
  top?: { value: string; count: number }[];
}

export interface TableProfile {
  path: string;
  rows?: number;
  bytes?: number;
  error?: string;
  columns?: ColumnProfile[];
}

export interface DatasetDetail extends DatasetVersion {
  manifest: { entries?: { path: string; size: number; sha256: string }[]; kind?: string; files?: number; bytes?: number };
  profile: { tables?: TableProfile[]; files?: number; bytes?: number; other_files?: number; other_bytes?: number };
}

export interface Pair<T> {
  a: T;
  b: T;
}

export interface ColumnDiff {
  name: string;
  kind: Pair<string>;
  severity: number | null;
  missing_rate: Pair<number | null>;
  distinct: Pair<number | null>;
  drift: {
    tested: boolean;
    reason?: string;
    test?: string;
    statistic?: number | null;
    p_value?: number | null;
    score?: number | null;
    threshold?: number;
    drifted?: boolean;
  };
  mean?: Pair<number | null>;
  std?: Pair<number | null>;
  min?: Pair<number | null>;
  max?: Pair<number | null>;
  mean_shift?: number | null;
  quantiles?: Record<string, Pair<number | null>>;
  categories?: {
    new?: string[] | null;
    new_count?: number | null;
    vanished?: string[] | null;
    vanished_count?: number | null;
    top_changes: { value: string; a: number; b: number }[];
  };
}

export interface TableDiff {
  a: string | null;
  b: string | null;
  status: string;
  rows: Pair<number | null>;
  schema?: { added: { name: string; kind: string }[]; removed: { name: string; kind: string }[]; kind_changed: { name: string; a: string; b: string }[] };
  columns?: ColumnDiff[];
  errors?: Pair<string | null>;
}

export interface FileEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface DatasetDiff {
  files: Pair<number>;
  bytes: Pair<number>;
  digest?: Pair<string>;
  file_changes?: {
    added: FileEntry[];
    removed: FileEntry[];
    changed: { path: string; a: { size: number; sha256: string }; b: { size: number; sha256: string } }[];
    unchanged: number;
  };
  summary: { tables_compared: number; tables_added: number; tables_removed: number; schema_changes: number; columns_drifted: number };
  tables: TableDiff[];
}
