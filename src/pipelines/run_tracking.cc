#include "pipelines/run_tracking.h"

#include "core/log.h"

namespace ferry::pipelines {

namespace {

void Warn(const std::string& what, const Status& st) {
  Log(LogLevel::kWarn, "pipeline run not tracked", {{"what", what}, {"error", st.ToString()}});
}

}  // namespace

std::string RunTracking::ExperimentId(const std::string& pipeline) {
  if (!tracking_) return "";
  std::string name = "pipelines/" + pipeline;
  if (auto e = tracking_->GetExperimentByName(name); e.ok()) return std::to_string(e->experiment_id);
  auto created = tracking_->CreateExperiment(name, "", {{"ferry.pipeline", pipeline}});
  if (created.ok()) return *created;
  // Another run created it in between.
  if (auto e = tracking_->GetExperimentByName(name); e.ok()) return std::to_string(e->experiment_id);
  Warn("experiment " + name, created.status());
  return "";
}

std::string RunTracking::StartPipelineRun(const std::string& pipeline, const std::string& pipeline_run_id,
                                          const std::string& trigger_kind,
                                          const std::map<std::string, std::string>& params) {
  std::string experiment = ExperimentId(pipeline);
  if (experiment.empty()) return "";
  tracking::CreateRunRequest req;
  req.experiment_id = experiment;
  req.user_id = "ferry-pipelines";
  req.run_name = pipeline + "-" + pipeline_run_id.substr(0, 8);
  req.tags = {{"ferry.pipeline", pipeline},
              {"ferry.pipeline_run_id", pipeline_run_id},
              {"ferry.trigger", trigger_kind}};
  auto run = tracking_->CreateRun(req);
  if (!run.ok()) {
    Warn("run of " + pipeline, run.status());
    return "";
  }
  std::vector<tracking::Param> logged;
  for (const auto& [k, v] : params) logged.push_back({k, v});
  if (Status st = tracking_->LogBatch(run->info.run_id, {}, logged, {}); !st.ok()) Warn("params", st);
  return run->info.run_id;
}

std::string RunTracking::StartStepRun(const std::string& parent, const std::string& pipeline,
                                      const std::string& step) {
  if (!tracking_ || parent.empty()) return "";
  auto parent_run = tracking_->GetRun(parent);
  if (!parent_run.ok()) return "";
  tracking::CreateRunRequest req;
  req.experiment_id = std::to_string(parent_run->info.experiment_id);
  req.user_id = "ferry-pipelines";
  req.run_name = step;
  req.tags = {{"mlflow.parentRunId", parent}, {"ferry.pipeline", pipeline}, {"ferry.step", step}};
  auto run = tracking_->CreateRun(req);
  if (!run.ok()) {
    Warn("step " + step, run.status());
    return "";
  }
  return run->info.run_id;
}

void RunTracking::End(const std::string& run_id, const std::string& state) {
  if (!tracking_ || run_id.empty()) return;
  tracking::UpdateRunRequest req;
  req.run_id = run_id;
  req.status = state == "succeeded" || state == "cached" ? "FINISHED" : state == "cancelled" ? "KILLED" : "FAILED";
  req.end_time = clock_.NowMillis();
  if (auto r = tracking_->UpdateRun(req); !r.ok()) Warn("end of " + run_id, r.status());
}

}  // namespace ferry::pipelines
