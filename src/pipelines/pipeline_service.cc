#include "pipelines/pipeline_service.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "core/log.h"
#include "core/sha256.h"
#include "pipelines/cron.h"
#include "pipelines/runner.h"
#include "pipelines/step_cache.h"

namespace ferry::pipelines {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int64_t kMaxLogChunk = 1 << 20;
constexpr const char* kServerStopped = "the server stopped during the run";

std::optional<int64_t> NextScheduled(const PipelineSpec& spec, int64_t now_ms) {
  if (spec.schedule.empty()) return std::nullopt;
  Result<CronSchedule> cron = CronSchedule::Parse(spec.schedule);
  return cron.ok() ? cron->Next(now_ms) : std::nullopt;
}

StepRunInfo InfoOf(const StepRecord& r, int64_t position) {
  StepRunInfo s;
  s.step = r.name;
  s.position = position;
  s.state = std::string(StepStateName(r.state));
  s.attempts = r.attempts;
  s.exit_code = r.exit_code;
  s.timed_out = r.timed_out;
  s.reused = r.reused;
  s.error = r.error;
  if (r.started_ms) s.start_ms = r.started_ms;
  if (r.ended_ms) s.end_ms = r.ended_ms;
  s.log_path = r.log_path;
  s.cache_key = r.cache_key;
  s.outputs = r.outputs;
  return s;
}

// The last lines of a log, for the run's error.
std::string LogTail(const std::string& path, size_t max_bytes = 800) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - static_cast<std::streamoff>(max_bytes));
  in.seekg(from);
  std::string text(static_cast<size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (from > 0) {
    size_t nl = text.find('\n');
    text = nl == std::string::npos ? text : text.substr(nl + 1);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Why a run did not succeed: the first failed step, its exit and log tail.
std::string RunError(const RunRecord& record) {
  for (const StepRecord& s : record.steps) {
    if (s.state != StepState::kFailed) continue;
    std::string why = "step '" + s.name + "' failed: " + s.error;
    std::string tail = LogTail(s.log_path);
    return tail.empty() ? why : why + "\n--- log tail ---\n" + tail;
  }
  return record.cancelled ? "cancelled" : "";
}

}  // namespace

std::vector<std::string> BuiltinArgv(const std::vector<std::string>& prefix, const std::string& uses,
                                     const std::map<std::string, std::string>& with) {
  Json args = Json::object();
  for (const auto& [key, value] : with) {
    bool structured = !value.empty() && (value[0] == '{' || value[0] == '[');
    Json parsed = structured ? Json::parse(value, nullptr, false) : Json();
    args[key] = structured && !parsed.is_discarded() ? parsed : Json(value);
  }
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), {uses, "--with", args.dump(-1, ' ', false, Json::error_handler_t::replace)});
  return argv;
}

PipelineService::PipelineService(store::Database& db, tracking::TrackingService* tracking, Executor& executor,
                                 const Clock& clock, PipelineServiceOptions options)
    : store_(db, clock), tracking_(tracking, clock), executor_(executor), clock_(clock),
      options_(std::move(options)) {
  // Steps run in their workspace: their folders must not be relative to ours.
  options_.runs_root = fs::absolute(options_.runs_root).string();
}

PipelineService::~PipelineService() { Stop(); }

Status PipelineService::Start() {
  ASSIGN_OR_RETURN(Interrupted failed, store_.FailInterrupted(kServerStopped));
  if (failed.runs > 0) {
    Log(LogLevel::kWarn, "pipeline runs interrupted by a server stop marked failed",
        {{"runs", std::to_string(failed.runs)}});
  }
  for (const std::string& id : failed.tracking_run_ids) tracking_.End(id, kRunFailed);
  ASSIGN_OR_RETURN(std::vector<PipelineInfo> pipelines, store_.Pipelines());
  std::lock_guard lock(mu_);
  for (const PipelineInfo& p : pipelines) StartNextQueued(p.name);
  return Status::Ok();
}

void PipelineService::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (auto& [id, a] : active_) {
    a.cancel_requested = true;
    a.run->Cancel();
  }
  ended_.wait(lock, [&] { return active_.empty(); });
  JoinDone();
}

void PipelineService::SetStepEnv(const std::map<std::string, std::string>& env) {
  std::lock_guard lock(mu_);
  for (const auto& [k, v] : env) options_.env[k] = v;
}

Result<PipelineSpec> PipelineService::SpecOf(const std::string& name, int64_t version,
                                             const std::string& workspace) {
  ASSIGN_OR_RETURN(PipelineVersion v, store_.Version(name, version));
  SpecContext context;
  context.file_name = name + " v" + std::to_string(version);
  (void)workspace;  // inputs were checked when the file was applied; they may be made by a step since
  context.check_cron = [](std::string_view expr) { return CronSchedule::Parse(expr).status(); };
  return ParsePipeline(v.yaml, context);
}

Result<Applied> PipelineService::Apply(const std::string& yaml, const std::string& workspace) {
  std::error_code ec;
  if (workspace.empty() || !fs::path(workspace).is_absolute() || !fs::is_directory(workspace, ec)) {
    return InvalidArgument("workspace: must be an absolute path to an existing directory on the server, got '" +
                           workspace + "'");
  }
  SpecContext context;
  context.exists = [&](std::string_view path) {
    std::error_code e;
    return fs::exists(fs::path(workspace) / fs::path(path), e);
  };
  context.check_cron = [](std::string_view expr) { return CronSchedule::Parse(expr).status(); };
  ASSIGN_OR_RETURN(PipelineSpec spec, ParsePipeline(yaml, context));
  Sha256 sha;
  sha.Update(yaml);
  ASSIGN_OR_RETURN(PipelineInfo before, [&]() -> Result<PipelineInfo> {
    Result<PipelineInfo> p = store_.Pipeline(spec.name);
    if (p.ok() || p.status().code() != StatusCode::kNotFound) return p;
    return PipelineInfo{};
  }());
  ASSIGN_OR_RETURN(int64_t version, store_.Put(spec.name, yaml, sha.HexDigest(), workspace,
                                               NextScheduled(spec, clock_.NowMillis())));
  return Applied{spec.name, version, version != before.latest_version, std::move(spec)};
}

Result<std::vector<PipelineInfo>> PipelineService::Pipelines() { return store_.Pipelines(); }
Result<PipelineInfo> PipelineService::Pipeline(const std::string& name) { return store_.Pipeline(name); }

Result<PipelineVersion> PipelineService::Version(const std::string& name, int64_t version) {
  if (version == 0) {
    ASSIGN_OR_RETURN(PipelineInfo p, store_.Pipeline(name));
    version = p.latest_version;
  }
  return store_.Version(name, version);
}

Status PipelineService::SetNextSchedule(const std::string& name, std::optional<int64_t> next_ms) {
  return store_.SetNextSchedule(name, next_ms);
}

Result<std::vector<std::pair<PipelineInfo, PipelineSpec>>> PipelineService::LatestSpecs() {
  ASSIGN_OR_RETURN(std::vector<PipelineInfo> pipelines, store_.Pipelines());
  std::vector<std::pair<PipelineInfo, PipelineSpec>> out;
  for (PipelineInfo& p : pipelines) {
    Result<PipelineSpec> spec = SpecOf(p.name, p.latest_version, p.workspace);
    if (!spec.ok()) {  // one unreadable pipeline must not stop the others' triggers
      Log(LogLevel::kWarn, "stored pipeline cannot be read", {{"pipeline", p.name}, {"error", spec.status().ToString()}});
      continue;
    }
    out.emplace_back(std::move(p), std::move(*spec));
  }
  return out;
}

bool PipelineService::RunningFor(const std::string& pipeline) {
  return std::any_of(active_pipeline_.begin(), active_pipeline_.end(),
                     [&](const auto& kv) { return kv.second == pipeline; });
}

Result<PipelineRunInfo> PipelineService::Create(const std::string& name, int64_t version,
                                                const std::map<std::string, std::string>& params,
                                                const Trigger& trigger, const std::string& resumed_from) {
  ASSIGN_OR_RETURN(PipelineInfo info, store_.Pipeline(name));
  ASSIGN_OR_RETURN(PipelineSpec spec, SpecOf(name, version, info.workspace));
  for (const auto& [key, value] : params) {
    if (!spec.params.count(key)) {
      return InvalidArgument("params." + key + ": not a param of pipeline '" + name + "'");
    }
  }
  std::lock_guard lock(mu_);
  JoinDone();
  if (stopping_) return Unavailable("the server is stopping");
  PipelineRunInfo run;
  run.run_id = NewRunId();
  run.pipeline = name;
  run.version = version;
  run.trigger_kind = trigger.kind;
  run.trigger_detail = trigger.detail.dump(-1, ' ', false, Json::error_handler_t::replace);
  run.params = params;
  run.resumed_from = resumed_from;
  run.run_dir = options_.runs_in_workspace ? (fs::path(info.workspace) / ".ferry" / "runs" / run.run_id).string()
                                            : (fs::path(options_.runs_root) / name / run.run_id).string();
  run.created_ms = clock_.NowMillis();
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    StepRunInfo& s = run.steps.emplace_back();
    s.step = spec.steps[i].name;
    s.position = static_cast<int64_t>(i);
    s.log_path = (fs::path(run.run_dir) / "logs" / (s.step + ".log")).string();
  }
  ASSIGN_OR_RETURN(std::vector<PipelineRunInfo> queued, store_.Runs(name, {kRunQueued}, 1000, false));
  bool busy = RunningFor(name) || !queued.empty();
  if (busy && spec.concurrency == Concurrency::kSkip) {
    run.state = kRunSkipped;
    run.end_ms = run.created_ms;
    run.error = "not run: another run of '" + name + "' was running (concurrency: skip)";
    RETURN_IF_ERROR(store_.CreateRun(run));
    return run;
  }
  if (busy && spec.concurrency == Concurrency::kCancel) {
    for (auto& [id, a] : active_) {
      if (active_pipeline_[id] != name) continue;
      a.cancel_requested = true;
      a.run->Cancel();
    }
    for (PipelineRunInfo& waiting : queued) {  // superseded by this one
      waiting.state = kRunCancelled;
      waiting.error = "superseded by run " + run.run_id + " (concurrency: cancel)";
      waiting.end_ms = run.created_ms;
      RETURN_IF_ERROR(store_.UpdateRun(waiting));
    }
  }
  run.state = kRunQueued;
  RETURN_IF_ERROR(store_.CreateRun(run));
  if (!busy) {
    if (Status st = Launch(run); !st.ok()) {  // not left queued: it would hold up every later run
      run.state = kRunFailed;
      run.error = "could not start: " + st.message();
      run.end_ms = clock_.NowMillis();
      (void)store_.UpdateRun(run);
      return st;
    }
  }
  return store_.Run(run.run_id);
}

Result<PipelineRunInfo> PipelineService::StartRun(const std::string& name,
                                                  const std::map<std::string, std::string>& params,
                                                  const Trigger& trigger) {
  ASSIGN_OR_RETURN(PipelineInfo info, store_.Pipeline(name));
  return Create(name, info.latest_version, params, trigger, "");
}

Result<PipelineRunInfo> PipelineService::Resume(const std::string& run_id) {
  ASSIGN_OR_RETURN(PipelineRunInfo old, store_.Run(run_id));
  if (old.state != kRunFailed && old.state != kRunCancelled) {
    return FailedPrecondition("pipeline run '" + run_id + "' is " + old.state +
                              "; only a failed or cancelled run can be resumed");
  }
  Trigger trigger{"resume", Json{{"run_id", run_id}}};
  return Create(old.pipeline, old.version, old.params, trigger, run_id);
}

Status PipelineService::Launch(PipelineRunInfo run) {
  ASSIGN_OR_RETURN(PipelineInfo info, store_.Pipeline(run.pipeline));
  auto spec = std::make_unique<PipelineSpec>();
  ASSIGN_OR_RETURN(*spec, SpecOf(run.pipeline, run.version, info.workspace));
  RunOptions options;
  options.workspace = info.workspace;
  options.run_dir = run.run_dir;
  options.params = run.params;
  options.env = options_.env;
  options.env["FERRY_PIPELINE_RUN_ID"] = run.run_id;
  if (!options_.step_command.empty()) {
    options.builtin = [prefix = options_.step_command](const std::string& uses,
                                                       const std::map<std::string, std::string>& with) {
      return BuiltinArgv(prefix, uses, with);
    };
  }
  if (!run.resumed_from.empty()) {
    ASSIGN_OR_RETURN(PipelineRunInfo old, store_.Run(run.resumed_from));
    for (const StepRunInfo& s : old.steps) {
      bool done = s.state == "succeeded" || s.state == "cached";
      bool present = std::all_of(s.outputs.begin(), s.outputs.end(), [](const auto& kv) {
        std::error_code ec;
        return fs::exists(kv.second, ec);
      });
      if (done && present) options.reuse[s.step] = s.outputs;
    }
  }
  Active& a = active_[run.run_id];
  active_pipeline_[run.run_id] = run.pipeline;
  a.cache = std::make_unique<StepCache>((fs::path(info.workspace) / ".ferry" / "cache").string());
  options.cache = a.cache.get();
  // The observer and step_env run under the runner's lock, one at a time.
  auto tracked = std::make_shared<std::map<std::string, std::string>>();
  auto positions = std::make_shared<std::map<std::string, int64_t>>();
  for (size_t i = 0; i < spec->steps.size(); ++i) (*positions)[spec->steps[i].name] = static_cast<int64_t>(i);
  auto parent = std::make_shared<std::string>();
  a.tracking_parent = parent;
  options.step_env = [this, tracked, parent, pipeline = run.pipeline](const std::string& step) {
    std::string id = tracking_.StartStepRun(*parent, pipeline, step);
    (*tracked)[step] = id;
    std::map<std::string, std::string> env;
    if (!id.empty()) env["MLFLOW_RUN_ID"] = id;
    return env;
  };
  StepObserver observer = [this, tracked, positions, run_id = run.run_id](const StepRecord& r) {
    StepRunInfo info = InfoOf(r, (*positions)[r.name]);
    info.tracking_run_id = (*tracked)[r.name];
    if (Status st = store_.UpdateStep(run_id, info); !st.ok()) {
      Log(LogLevel::kError, "cannot record a pipeline step", {{"run", run_id}, {"error", st.ToString()}});
    }
    if (r.state != StepState::kPending && r.state != StepState::kRunning) tracking_.End(info.tracking_run_id, info.state);
  };
  a.run = std::make_unique<PipelineRun>(*spec, std::move(options), executor_, clock_, std::move(observer));
  a.spec = std::move(spec);
  try {
    a.thread = std::thread([this, run, runner = a.run.get()]() mutable { Execute(std::move(run), runner); });
  } catch (const std::system_error& e) {
    active_.erase(run.run_id);
    active_pipeline_.erase(run.run_id);
    return Internal(std::string("cannot start a thread for the run: ") + e.what());
  }
  return Status::Ok();
}

void PipelineService::Execute(PipelineRunInfo run, PipelineRun* runner) {
  {
    std::lock_guard lock(mu_);
    *active_[run.run_id].tracking_parent = run.tracking_run_id =
        tracking_.StartPipelineRun(run.pipeline, run.run_id, run.trigger_kind, run.params);
  }
  run.state = kRunRunning;
  run.start_ms = clock_.NowMillis();
  if (Status st = store_.UpdateRun(run); !st.ok()) {
    Log(LogLevel::kError, "cannot record a pipeline run", {{"run", run.run_id}, {"error", st.ToString()}});
  }
  Result<RunRecord> record = runner->Run();
  bool server_stopping = false;
  {
    std::lock_guard lock(mu_);
    server_stopping = stopping_;
  }
  if (!record.ok()) {
    run.state = kRunFailed;
    run.error = record.status().message();
    for (StepRunInfo& s : run.steps) {  // none started: the run could not be set up
      s.state = "skipped";
      s.error = "not run: " + run.error;
      (void)store_.UpdateStep(run.run_id, s);
    }
  } else if (record->cancelled && server_stopping) {  // not a user's cancel: resume it later
    run.state = kRunFailed;
    run.error = kServerStopped;
  } else {
    run.state = record->succeeded ? kRunSucceeded : record->cancelled ? kRunCancelled : kRunFailed;
    run.error = record->succeeded ? "" : RunError(*record);
  }
  run.end_ms = clock_.NowMillis();
  if (Status st = store_.UpdateRun(run); !st.ok()) {
    Log(LogLevel::kError, "cannot record a pipeline run", {{"run", run.run_id}, {"error", st.ToString()}});
  }
  tracking_.End(run.tracking_run_id, run.state);
  Finished(run);
}

void PipelineService::Finished(const PipelineRunInfo& run) {
  std::lock_guard lock(mu_);
  auto it = active_.find(run.run_id);
  done_.push_back(std::move(it->second.thread));
  active_.erase(it);
  active_pipeline_.erase(run.run_id);
  if (!stopping_) StartNextQueued(run.pipeline);
  ended_.notify_all();
}

void PipelineService::StartNextQueued(const std::string& pipeline) {
  if (RunningFor(pipeline)) return;
  Result<std::vector<PipelineRunInfo>> queued = store_.Runs(pipeline, {kRunQueued}, 1000, false);
  if (!queued.ok() || queued->empty()) return;
  PipelineRunInfo next = queued->back();  // the oldest
  if (Status st = Launch(next); !st.ok()) {
    next.state = kRunFailed;
    next.error = st.message();
    next.end_ms = clock_.NowMillis();
    (void)store_.UpdateRun(next);
    StartNextQueued(pipeline);
  }
}

void PipelineService::JoinDone() {
  for (std::thread& t : done_) t.join();
  done_.clear();
}

Status PipelineService::Cancel(const std::string& run_id) {
  std::lock_guard lock(mu_);
  if (auto it = active_.find(run_id); it != active_.end()) {
    it->second.cancel_requested = true;
    it->second.run->Cancel();
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(PipelineRunInfo run, store_.Run(run_id));
  if (run.state != kRunQueued) {
    return FailedPrecondition("pipeline run '" + run_id + "' has already ended (" + run.state + ")");
  }
  run.state = kRunCancelled;
  run.error = "cancelled while queued";
  run.end_ms = clock_.NowMillis();
  RETURN_IF_ERROR(store_.UpdateRun(run));
  ended_.notify_all();
  return Status::Ok();
}

Result<PipelineRunInfo> PipelineService::Run(const std::string& run_id) { return store_.Run(run_id); }

Result<std::vector<PipelineRunInfo>> PipelineService::Runs(const std::string& pipeline, int64_t limit) {
  if (!pipeline.empty()) RETURN_IF_ERROR(store_.Pipeline(pipeline).status());
  return store_.Runs(pipeline, {}, limit, true);
}

Result<LogChunk> PipelineService::StepLog(const std::string& run_id, const std::string& step, int64_t offset,
                                      int64_t max_bytes) {
  if (offset < 0) return InvalidArgument("offset: must be 0 or more");
  ASSIGN_OR_RETURN(PipelineRunInfo run, store_.Run(run_id));
  auto s = std::find_if(run.steps.begin(), run.steps.end(), [&](const StepRunInfo& x) { return x.step == step; });
  if (s == run.steps.end()) return NotFound("pipeline run '" + run_id + "' has no step '" + step + "'");
  bool ended = s->state != "pending" && s->state != "running";
  LogChunk chunk;
  chunk.next_offset = offset;
  std::ifstream in(s->log_path, std::ios::binary | std::ios::ate);
  int64_t size = in ? static_cast<int64_t>(in.tellg()) : 0;
  if (in && offset < size) {
    int64_t n = std::min({size - offset, max_bytes, kMaxLogChunk});
    chunk.text.resize(static_cast<size_t>(n));
    in.seekg(offset);
    in.read(chunk.text.data(), static_cast<std::streamsize>(n));
    // End on a character boundary: a UTF-8 sequence cut here comes whole next time.
    size_t keep = chunk.text.size();
    size_t lead = keep;
    while (lead > 0 && keep - lead < 4 && (static_cast<unsigned char>(chunk.text[lead - 1]) & 0xC0) == 0x80) --lead;
    if (lead > 0 && (offset + n < size || !ended)) {
      unsigned char c = static_cast<unsigned char>(chunk.text[lead - 1]);
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (keep - (lead - 1) < need) keep = lead - 1;
    }
    chunk.text.resize(keep);
    chunk.next_offset = offset + static_cast<int64_t>(chunk.text.size());
  }
  chunk.complete = (ended || RunEnded(run.state)) && chunk.next_offset >= size;
  return chunk;
}

bool PipelineService::WaitForEnd(const std::string& run_id, int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock lock(mu_);
  while (true) {
    Result<PipelineRunInfo> run = store_.Run(run_id);
    if (!run.ok() || RunEnded(run->state)) return run.ok();
    if (ended_.wait_until(lock, deadline) == std::cv_status::timeout) return false;
  }
}

}  // namespace ferry::pipelines
