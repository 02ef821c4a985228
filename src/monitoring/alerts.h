// AlertEvaluator: runs every alert rule (alert_rule.h) against its
// deployment's newest windows, stores each rule's state and transitions
// (alert_store.h), and hands the transitions that notify ("firing",
// "resolved") to a notifier — the server's is the registry's audit log, so
// they reach webhooks like any registry event.
//
// A rule looks at the model version with the most rows in the deployment's
// newest window, and at that version's windows of the last max(24, 3·for)
// window lengths that have at least `min_rows` rows. Drift metrics compare
// a window's profile with the version's reference (a version without one
// is an error on the rule's state, not a crash); performance metrics use the
// labels of the predictions made in the window. `error_rate` is serving's
// share of failed requests (5xx) between two evaluations, so its "windows"
// are evaluations. Thread-safe: one evaluation at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/status.h"
#include "monitoring/alert_store.h"
#include "monitoring/monitor_store.h"

namespace ferry::monitoring {

// Delivers one transition; OK means taken (it is then marked notified).
using AlertNotifier = std::function<Status(const AlertEvent& event, const AlertRule& rule)>;
// Serving's request counts of a deployment so far: {all, failed}.
using RequestCounts = std::function<std::pair<uint64_t, uint64_t>(const std::string& deployment)>;

// What a notification carries: the transition, the rule and the value.
nlohmann::json AlertNotificationJson(const AlertEvent& event, const AlertRule& rule);

class AlertEvaluator {
 public:
  AlertEvaluator(MonitorStore& monitor, AlertStore& alerts, const Clock& clock, int64_t window_ms)
      : monitor_(monitor), alerts_(alerts), clock_(clock), window_ms_(window_ms) {}

  // Set before evaluations start.
  void SetNotifier(AlertNotifier notifier) { notifier_ = std::move(notifier); }
  void SetRequestCounts(RequestCounts counts) { request_counts_ = std::move(counts); }

  // Evaluates every rule once, then delivers pending notifications. A rule
  // that cannot be evaluated keeps its state and records the error.
  Status EvaluateAll();

 private:
  struct Values {
    std::string model;
    int64_t version = 0;
    std::vector<std::optional<double>> values;  // oldest first
    std::optional<int64_t> newest_start;
  };
  Result<Values> WindowValues(const AlertRule& rule);
  Result<Values> ErrorRateValues(const AlertRule& rule);
  Status Evaluate(const AlertRule& rule, const AlertStatus& before);
  Status Notify();

  MonitorStore& monitor_;
  AlertStore& alerts_;
  const Clock& clock_;
  const int64_t window_ms_;
  AlertNotifier notifier_;
  RequestCounts request_counts_;
  std::mutex mu_;  // one evaluation at a time
  struct ErrorRate {
    std::pair<uint64_t, uint64_t> last{0, 0};
    bool seen = false;
    std::deque<std::optional<double>> values;
  };
  std::map<std::string, ErrorRate> error_rates_;  // per rule; guarded by mu_
};

}  // namespace ferry::monitoring
