// PipelineTriggers: what starts a pipeline run besides a person.
//   - Schedules: a pipeline whose cron schedule is due starts one run. A
//     server that was down over several due times runs once when it is back
//     (Airflow's catchup=False), and the next time is counted from now.
//   - Events: `on:` entries of each pipeline's latest version are matched
//     against events — an alert rule firing, a dataset version registered, a
//     registry action on a model — and every match starts a run with the
//     event as its trigger detail; so does the pipeline an alert rule names
//     (`pipeline:`). Each pipeline's concurrency policy applies.
//
// OnEvent only queues (it is called from publishers' threads, which must not
// wait); the loop thread matches and starts runs. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/clock.h"
#include "pipelines/pipeline_service.h"

namespace ferry::pipelines {

struct PipelineEvent {
  std::string kind;    // alert, dataset, registry
  std::string name;    // the rule, the dataset, the model
  std::string action;  // registry: the audit action (set_alias, create_version, ...); else ""
  nlohmann::json detail = nlohmann::json::object();
  // A pipeline the event names itself (an alert rule's `pipeline:`): started
  // whether or not its `on:` lists the event. Empty: only `on:` matches.
  std::string pipeline;
};

// Whether a pipeline's `on:` entry matches the event.
bool Matches(const TriggerEvent& on, const PipelineEvent& event);

class PipelineTriggers {
 public:
  PipelineTriggers(PipelineService& service, const Clock& clock) : service_(service), clock_(clock) {}
  ~PipelineTriggers() { Stop(); }

  // Starts the loop: schedules every `interval`, events as they come.
  void Start(std::chrono::milliseconds interval);
  void Stop();

  void OnEvent(PipelineEvent event);

  // One pass (the loop's body; public for tests): due schedules, then the
  // queued events. Returns how many runs were asked for.
  int Pass();

 private:
  int RunSchedules();
  int RunEvent(const PipelineEvent& event);

  PipelineService& service_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<PipelineEvent> events_;  // guarded by mu_
  bool stop_ = false;                 // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::pipelines
