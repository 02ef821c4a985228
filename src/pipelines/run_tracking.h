// RunTracking: a pipeline run as a tracked run (experiment
// "pipelines/<name>"), each step as its child run (mlflow.parentRunId), so
// the tracking API, the mlflow client and the UI show a pipeline run like a
// nested sweep. A step's child run id is given to the step as MLFLOW_RUN_ID:
// `mlflow.start_run()` in a step's script logs into it.
//
// Tracking is a record of the run, not part of it: a tracking error is
// logged and the run goes on (its runs are then missing, and say so in the
// server's log). Thread-safe (TrackingService is).
#pragma once

#include <map>
#include <string>

#include "core/clock.h"
#include "tracking/tracking_service.h"

namespace ferry::pipelines {

class RunTracking {
 public:
  RunTracking(tracking::TrackingService* tracking, const Clock& clock) : tracking_(tracking), clock_(clock) {}

  // The pipeline run's tracked run; "" when there is no tracking or it failed.
  std::string StartPipelineRun(const std::string& pipeline, const std::string& pipeline_run_id,
                               const std::string& trigger_kind, const std::map<std::string, std::string>& params);
  // A step's child run of `parent` ("" when parent is "").
  std::string StartStepRun(const std::string& parent, const std::string& pipeline, const std::string& step);
  // Ends a tracked run with the status named by a run or step state
  // (succeeded/cached → FINISHED, cancelled → KILLED, else FAILED); "" is ignored.
  void End(const std::string& run_id, const std::string& state);
  // The experiment that holds the pipeline's runs ("" when none).
  std::string ExperimentId(const std::string& pipeline);

 private:
  tracking::TrackingService* tracking_;  // null: nothing is tracked
  const Clock& clock_;
};

}  // namespace ferry::pipelines
