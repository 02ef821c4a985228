#include "pipelines/runner.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

namespace ferry::pipelines {

namespace {

namespace fs = std::filesystem;

std::string EnvName(const std::string& output) {
  std::string name = "FERRY_OUTPUT_";
  for (char c : output) name += std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
  return name;
}

// The executor says why an attempt did not end normally (timeouts, cancels,
// signals); a plain non-zero exit is described here.
std::string Describe(const StepExit& exit) {
  return exit.error.empty() ? "exited with code " + std::to_string(exit.exit_code) : exit.error;
}

// Fills a `with` value. A map or list (JSON text from the file) is filled
// leaf by leaf, so a substituted value holding quotes stays one string.
Result<std::string> FillWith(const std::string& value,
                             const std::function<Result<std::string>(const std::string&)>& fill) {
  if (value.empty() || (value[0] != '{' && value[0] != '[')) return fill(value);
  nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded()) return fill(value);
  std::function<Status(nlohmann::json&)> walk = [&](nlohmann::json& node) -> Status {
    if (node.is_string()) {
      ASSIGN_OR_RETURN(std::string filled, fill(node.get<std::string>()));
      node = filled;
    }
    if (node.is_structured()) {
      for (auto& child : node) RETURN_IF_ERROR(walk(child));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(walk(j));
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Absolute(const std::string& workspace, const std::string& path) {
  fs::path p(path);
  return (p.is_absolute() ? p : fs::path(workspace) / p).lexically_normal().string();
}

}  // namespace

PipelineRun::PipelineRun(const PipelineSpec& spec, RunOptions options, Executor& executor, const Clock& clock,
                         StepObserver observer)
    : spec_(spec), options_(std::move(options)), executor_(executor), clock_(clock), observer_(std::move(observer)) {}

Status PipelineRun::Prepare() {
  for (const StepSpec& s : spec_.steps) {
    if (!s.uses.empty() && !options_.builtin) {
      return FailedPrecondition("step '" + s.name + "' (line " + std::to_string(s.line) + ") uses the built-in '" +
                                s.uses + "', and this runner has no built-in steps: use run:");
    }
  }
  params_ = spec_.params;
  for (const auto& [name, value] : options_.params) {
    if (!params_.count(name)) {
      return InvalidArgument("param '" + name + "' is not a param of pipeline '" + spec_.name + "'");
    }
    params_[name] = value;
  }
  ASSIGN_OR_RETURN(Dag dag, Dag::Build(spec_));
  dag_ = std::make_unique<Dag>(std::move(dag));
  frontier_ = std::make_unique<Frontier>(*dag_);
  std::error_code ec;
  fs::create_directories(fs::path(options_.run_dir) / "logs", ec);
  if (ec) return InvalidArgument("cannot create the run folder '" + options_.run_dir + "': " + ec.message());
  for (const StepSpec& s : spec_.steps) {
    StepRecord& r = records_.emplace_back();
    r.name = s.name;
    r.log_path = (fs::path(options_.run_dir) / "logs" / (s.name + ".log")).string();
    std::string dir = (fs::path(options_.run_dir) / "steps" / s.name).string();
    fs::create_directories(dir, ec);
    if (ec) return Internal("cannot create '" + dir + "': " + ec.message());
    for (const auto& [name, path] : s.outputs) r.outputs[name] = (fs::path(dir) / path).lexically_normal().string();
  }
  launches_.resize(spec_.steps.size());
  return Status::Ok();
}

Result<CacheInputs> PipelineRun::CacheInputsOf(size_t step) {
  const StepSpec& s = spec_.steps[step];
  std::function<Result<std::string>(const std::string&)> fill = [&](const std::string& text) {
    return Substitute(text, params_, outputs_);
  };
  CacheInputs in;
  for (const auto& [key, value] : s.with) {
    ASSIGN_OR_RETURN(in.with[key], FillWith(value, fill));
  }
  if (!s.uses.empty()) {
    in.command = options_.builtin(s.uses, in.with);
  } else if (!s.shell.empty()) {
    ASSIGN_OR_RETURN(std::string shell, fill(s.shell));
    in.command = {"/bin/sh", "-c", shell};
  } else {
    for (const std::string& arg : s.argv) {
      ASSIGN_OR_RETURN(std::string a, fill(arg));
      in.command.push_back(std::move(a));
    }
  }
  for (auto [from, to] : {std::pair{&s.env, &in.env}, {&s.params, &in.params}}) {
    for (const auto& [key, value] : *from) {
      ASSIGN_OR_RETURN((*to)[key], fill(value));
    }
  }
  for (const std::string& input : s.inputs) {
    ASSIGN_OR_RETURN(std::string path, fill(input));
    in.inputs.push_back(Absolute(options_.workspace, path));
  }
  return in;
}

void PipelineRun::Launch(size_t step) {
  const StepSpec& s = spec_.steps[step];
  StepRecord& r = records_[step];
  r.started_ms = clock_.NowMillis();
  if (auto reused = options_.reuse.find(s.name); reused != options_.reuse.end()) {
    r.outputs = reused->second;
    r.reused = true;
    outputs_[s.name] = reused->second;
    return End(step, StepState::kCached, "");
  }
  Result<CacheInputs> in = CacheInputsOf(step);
  if (!in.ok()) return End(step, StepState::kFailed, in.status().message());
  StepLaunch& launch = launches_[step];
  launch.argv = in->command;
  launch.env = options_.env;
  if (options_.step_env) launch.env.merge(options_.step_env(s.name));
  for (const auto& [key, value] : in->env) launch.env[key] = value;
  launch.workdir = options_.workspace;
  launch.log_path = r.log_path;
  launch.timeout_ms = s.timeout_ms;
  launch.resources = s.resources;
  std::string step_dir = (fs::path(options_.run_dir) / "steps" / s.name).string();
  launch.env["FERRY_PIPELINE"] = spec_.name;
  launch.env["FERRY_STEP"] = s.name;
  launch.env["FERRY_RUN_DIR"] = options_.run_dir;
  launch.env["FERRY_STEP_DIR"] = step_dir;
  for (const auto& [name, path] : r.outputs) launch.env[EnvName(name)] = path;
  if (options_.cache && s.cache) {
    Result<std::string> key = CacheKey(*in);
    if (!key.ok()) return End(step, StepState::kFailed, key.status().message());
    r.cache_key = *key;
    if (auto cached = options_.cache->Find(*key)) {
      r.outputs = *cached;
      outputs_[s.name] = *cached;
      return End(step, StepState::kCached, "");
    }
  }
  Status st = LaunchAttempt(step);
  if (!st.ok()) End(step, StepState::kFailed, st.message());
}

Status PipelineRun::LaunchAttempt(size_t step) {
  StepRecord& r = records_[step];
  ++r.attempts;
  r.state = StepState::kRunning;
  if (r.attempts > 1) {
    std::ofstream(r.log_path, std::ios::app) << "ferry: attempt " << r.attempts << " of "
                                              << spec_.steps[step].retries + 1 << "\n";
  }
  StepLaunch& launch = launches_[step];
  launch.id = options_.run_dir + "/" + r.name + "/" + std::to_string(r.attempts);
  if (observer_) observer_(r);
  RETURN_IF_ERROR(executor_.Start(launch, [this, step](const StepExit& exit) { Finished(step, exit); }));
  ++running_;
  return Status::Ok();
}

void PipelineRun::Finished(size_t step, const StepExit& exit) {
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  const StepSpec& s = spec_.steps[step];
  StepRecord& r = records_[step];
  r.exit_code = exit.exit_code;
  r.timed_out = exit.timed_out;
  if (cancelled_ || exit.cancelled) {
    End(step, StepState::kCancelled, "cancelled");
  } else if (!exit.ok()) {
    r.error = Describe(exit);
    if (r.attempts <= s.retries) {
      retries_.push_back({step, clock_.NowMillis() + s.retry_delay_ms});
    } else {
      End(step, StepState::kFailed, r.error);
    }
  } else {
    std::string missing;
    for (const auto& [name, path] : r.outputs) {
      std::error_code ec;
      if (missing.empty() && !fs::exists(path, ec)) missing = "output '" + name + "' (" + path + ") was not written";
    }
    if (!missing.empty()) {
      End(step, StepState::kFailed, missing);
    } else {
      outputs_[s.name] = r.outputs;
      Status stored = r.cache_key.empty() ? Status::Ok() : options_.cache->Store(r.cache_key, r.outputs);
      End(step, StepState::kSucceeded, stored.ok() ? "" : "not cached: " + stored.message());
    }
  }
  cv_.notify_all();
}

void PipelineRun::End(size_t step, StepState state, const std::string& error) {
  StepRecord& r = records_[step];
  r.state = state;
  r.error = error;
  r.ended_ms = clock_.NowMillis();
  if (observer_) observer_(r);
  Result<std::vector<size_t>> skipped = frontier_->Finish(step, state);
  if (!skipped.ok()) return;  // not running: cannot happen, the frontier handed it out
  for (size_t d : *skipped) {
    StepRecord& sr = records_[d];
    sr.state = StepState::kSkipped;
    sr.error = "not run: '" + r.name + "' " + std::string(StepStateName(state));
    if (observer_) observer_(sr);
  }
}

Result<RunRecord> PipelineRun::Run() {
  RETURN_IF_ERROR(Prepare());
  std::unique_lock<std::mutex> lock(mu_);
  bool cancel_sent = false;
  while (true) {
    if (cancelled_ && !cancel_sent) {
      cancel_sent = true;
      for (size_t step : frontier_->CancelPending()) {
        records_[step].state = StepState::kCancelled;
        if (observer_) observer_(records_[step]);
      }
      for (const Pending& p : retries_) End(p.step, StepState::kCancelled, "cancelled");
      retries_.clear();
      for (size_t i = 0; i < records_.size(); ++i) {
        if (records_[i].state == StepState::kRunning) executor_.Cancel(launches_[i].id);
      }
    }
    // Cached steps end at once and release their dependents: take until none is ready.
    for (std::vector<size_t> ready; !cancelled_ && !(ready = frontier_->TakeReady()).empty();) {
      for (size_t step : ready) Launch(step);
    }
    int64_t now = clock_.NowMillis();
    std::optional<int64_t> next_due;
    for (size_t i = 0; i < retries_.size();) {
      if (retries_[i].due_ms <= now) {
        size_t step = retries_[i].step;
        retries_.erase(retries_.begin() + static_cast<std::ptrdiff_t>(i));
        Status st = LaunchAttempt(step);
        if (!st.ok()) End(step, StepState::kFailed, st.message());
      } else {
        next_due = std::min(next_due.value_or(retries_[i].due_ms), retries_[i].due_ms);
        ++i;
      }
    }
    if (frontier_->Done() && running_ == 0) break;
    if (next_due) {
      cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, *next_due - now)));
    } else {
      cv_.wait(lock);
    }
  }
  RunRecord out;
  out.cancelled = cancelled_;
  out.steps = records_;
  out.succeeded = std::all_of(records_.begin(), records_.end(), [](const StepRecord& r) { return Completed(r.state); });
  return out;
}

void PipelineRun::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

}  // namespace ferry::pipelines
