#include "pipelines/triggers.h"

#include <algorithm>

#include "core/log.h"
#include "pipelines/cron.h"

namespace ferry::pipelines {

bool Matches(const TriggerEvent& on, const PipelineEvent& event) {
  return on.kind == event.kind && on.name == event.name && (on.action.empty() || on.action == event.action);
}

void PipelineTriggers::Start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      Pass();
      lock.lock();
      wake_.wait_for(lock, interval, [&] { return stop_ || !events_.empty(); });
    }
  });
}

void PipelineTriggers::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PipelineTriggers::OnEvent(PipelineEvent event) {
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  wake_.notify_all();
}

int PipelineTriggers::Pass() {
  int started = RunSchedules();
  while (true) {
    PipelineEvent event;
    {
      std::lock_guard lock(mu_);
      if (events_.empty()) break;
      event = std::move(events_.front());
      events_.pop_front();
    }
    started += RunEvent(event);
  }
  return started;
}

int PipelineTriggers::RunSchedules() {
  auto pipelines = service_.Pipelines();
  if (!pipelines.ok()) return 0;
  int64_t now = clock_.NowMillis();
  int started = 0;
  for (const PipelineInfo& p : *pipelines) {
    if (!p.next_schedule_ms || *p.next_schedule_ms > now) continue;
    auto version = service_.Version(p.name, p.latest_version);
    std::optional<int64_t> next;
    if (version.ok()) {
      // The schedule of the latest version (it is stored with the pipeline).
      auto spec = ParsePipeline(version->yaml, SpecContext{});
      if (spec.ok() && !spec->schedule.empty()) {
        if (auto cron = CronSchedule::Parse(spec->schedule); cron.ok()) next = cron->Next(now);
      }
    }
    // Move the schedule first: a failing start must not repeat every pass.
    if (Status st = service_.SetNextSchedule(p.name, next); !st.ok()) continue;
    Trigger trigger{"schedule", {{"due_ms", *p.next_schedule_ms}}};
    auto run = service_.StartRun(p.name, {}, trigger);
    if (!run.ok()) {
      Log(LogLevel::kWarn, "scheduled pipeline run not started",
          {{"pipeline", p.name}, {"error", run.status().ToString()}});
      continue;
    }
    ++started;
  }
  return started;
}

int PipelineTriggers::RunEvent(const PipelineEvent& event) {
  auto specs = service_.LatestSpecs();
  if (!specs.ok()) return 0;
  int started = 0;
  nlohmann::json detail = event.detail;
  detail["kind"] = event.kind;
  detail["name"] = event.name;
  if (!event.action.empty()) detail["action"] = event.action;
  auto start = [&](const std::string& pipeline) {
    auto run = service_.StartRun(pipeline, {}, Trigger{event.kind, detail});
    if (!run.ok()) {
      Log(LogLevel::kWarn, "pipeline run on an event not started",
          {{"pipeline", pipeline}, {"event", event.kind + " " + event.name}, {"error", run.status().ToString()}});
      return;
    }
    Log(LogLevel::kInfo, "pipeline run started by an event",
        {{"pipeline", pipeline}, {"event", event.kind + " " + event.name}, {"run", run->run_id}});
    ++started;
  };
  for (const auto& [info, spec] : *specs) {
    bool named = info.name == event.pipeline;
    bool listed = std::any_of(spec.on.begin(), spec.on.end(), [&](const TriggerEvent& on) { return Matches(on, event); });
    if (named || listed) start(info.name);  // one run per pipeline per event
  }
  if (!event.pipeline.empty() && std::none_of(specs->begin(), specs->end(), [&](const auto& p) {
        return p.first.name == event.pipeline;
      })) {
    Log(LogLevel::kWarn, "an event names a pipeline that does not exist",
        {{"pipeline", event.pipeline}, {"event", event.kind + " " + event.name}});
  }
  return started;
}

}  // namespace ferry::pipelines
