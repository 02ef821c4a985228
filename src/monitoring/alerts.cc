#include "monitoring/alerts.h"

#include <algorithm>
#include <set>

#include "core/log.h"
#include "monitoring/drift.h"
#include "monitoring/ground_truth.h"

namespace ferry::monitoring {

namespace {

constexpr int64_t kNotifyBatch = 100;

const std::set<std::string, std::less<>> kPerformanceMetrics = {
    "accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "ece", "mae", "rmse", "r2", "label_delay_p50"};

bool IsDriftMetric(std::string_view name) {
  return name != "rows" && name != "missing_share" && name != "error_rate" && !kPerformanceMetrics.count(name);
}

// What a window offers a metric.
struct WindowData {
  const Profile* reference = nullptr;
  const Profile* current = nullptr;
  const WindowPerformance* labels = nullptr;  // null: no labels in the window
  std::string output;  // the first output tensor's name, for prediction_drift
};

std::string Arg(const MetricRef& m, const std::string& key) {
  auto it = m.args.find(key);
  return it == m.args.end() ? "" : it->second;
}

// The column and test a drift metric reads ("" test: Evidently's choice).
std::pair<std::string, std::string> DriftColumn(const MetricRef& m, const WindowData& w) {
  if (m.name == "prediction_drift") {
    std::string output = Arg(m, "output");
    return {output.empty() ? w.output : output, ""};
  }
  if (m.name == "drift_score" || m.name == "drifted") return {Arg(m, "feature"), ""};
  return {Arg(m, "feature"), m.name};
}

Result<std::optional<double>> DriftValue(const MetricRef& m, const WindowData& w) {
  if (!w.reference) return FailedPrecondition("the model version has no reference data");
  DriftOptions options;
  options.threads = 1;
  bool dataset = m.name == "dataset_drift_share" || m.name == "dataset_drift";
  std::string column;
  if (!dataset) {
    auto [name, test] = DriftColumn(m, w);
    if (name.empty()) return FailedPrecondition("no output column is known for prediction_drift; name it: output=...");
    column = name;
    options.columns = {name};
    if (!test.empty()) options.column_tests[name] = test;
  }
  ASSIGN_OR_RETURN(DriftReport report, ComputeProfileDrift(*w.reference, *w.current, options));
  if (m.name == "dataset_drift_share") return std::optional<double>(report.share);
  if (m.name == "dataset_drift") return std::optional<double>(report.dataset_drift ? 1 : 0);
  for (const ColumnDrift& c : report.columns) {
    if (c.column != column || !c.tested) continue;
    return std::optional<double>(m.name == "drifted" ? (c.drifted ? 1 : 0) : c.score);
  }
  return std::optional<double>();  // not testable in this window (e.g. no values)
}

Result<std::optional<double>> MetricValue(const MetricRef& m, const WindowData& w) {
  if (m.name == "rows") return std::optional<double>(static_cast<double>(w.current->rows));
  if (m.name == "missing_share") {
    if (w.current->rows == 0) return std::optional<double>();
    const ColumnProfile* c = w.current->Find(Arg(m, "feature"));
    double missing = c ? static_cast<double>(c->missing) : static_cast<double>(w.current->rows);
    return std::optional<double>(missing / static_cast<double>(w.current->rows));
  }
  if (!w.labels && kPerformanceMetrics.count(m.name)) return std::optional<double>();
  if (m.name == "label_delay_p50") return std::optional<double>(w.labels->delay.p50_s);
  if (kPerformanceMetrics.count(m.name)) return PerformanceMetric(w.labels->metrics, m.name);
  return DriftValue(m, w);
}

// The model version with the most rows in the deployment's newest window.
std::optional<std::pair<std::string, int64_t>> NewestVersion(const std::vector<WindowInfo>& windows) {
  if (windows.empty()) return std::nullopt;
  int64_t newest = windows.back().start_ms;
  const WindowInfo* best = nullptr;
  for (const WindowInfo& w : windows) {
    if (w.start_ms == newest && (!best || w.rows > best->rows)) best = &w;
  }
  return std::pair{best->model, best->version};
}


AlertEvent EventOf(const AlertRule& rule, const AlertStatus& after, const AlertTransition& t, int64_t now) {
  AlertEvent e;
  e.rule = rule.name;
  e.deployment = rule.deployment;
  e.model = after.model;
  e.version = after.version;
  e.from = t.from;
  e.to = t.to;
  e.kind = std::string(t.kind);
  e.value = after.value;
  e.threshold = rule.threshold;
  e.window_start = after.window_start;
  e.time_ms = now;
  e.notified = !t.notify;
  return e;
}

}  // namespace

nlohmann::json AlertNotificationJson(const AlertEvent& e, const AlertRule& rule) {
  nlohmann::json j = {{"rule", rule.name},
                      {"deployment", e.deployment},
                      {"model", e.model},
                      {"version", e.version},
                      {"state", e.kind},
                      {"from", AlertStateName(e.from)},
                      {"to", AlertStateName(e.to)},
                      {"expr", rule.expr},
                      {"metric", rule.metric.name},
                      {"args", rule.metric.args},
                      {"threshold", e.threshold},
                      {"for", rule.for_windows},
                      {"severity", SeverityName(rule.severity)},
                      {"pipeline", rule.pipeline},
                      {"description", rule.description},
                      {"time", e.time_ms},
                      {"event_id", e.id}};
  j["value"] = e.value ? nlohmann::json(*e.value) : nlohmann::json(nullptr);
  j["window_start"] = e.window_start ? nlohmann::json(*e.window_start) : nlohmann::json(nullptr);
  return j;
}

Result<AlertEvaluator::Values> AlertEvaluator::WindowValues(const AlertRule& rule) {
  Values out;
  int64_t now = clock_.NowMillis();
  int64_t from = now - window_ms_ * std::max<int64_t>(24, 3 * int64_t{rule.for_windows});
  int64_t to = now + window_ms_;
  ASSIGN_OR_RETURN(auto windows, monitor_.ListWindows(rule.deployment, from, to));
  auto version = NewestVersion(windows);
  if (!version) return out;
  std::tie(out.model, out.version) = *version;
  ASSIGN_OR_RETURN(auto profiles, monitor_.WindowProfiles(rule.deployment, out.model, out.version, from, to));
  std::optional<Profile> reference;
  if (IsDriftMetric(rule.metric.name)) {
    Result<ReferenceInfo> ref = monitor_.GetReference(out.model, out.version);
    if (ref.ok()) reference = std::move(ref->profile);
  }
  // Performance and label delay of each window's labelled predictions.
  std::map<int64_t, WindowPerformance> labelled_windows;
  if (kPerformanceMetrics.count(rule.metric.name)) {
    ASSIGN_OR_RETURN(auto labelled, monitor_.LabelledPredictions(rule.deployment, out.model, out.version, from, to));
    if (!labelled.empty()) {
      ASSIGN_OR_RETURN(auto versions, PerformanceOf(labelled, {"", {}, window_ms_}));
      for (WindowPerformance& w : versions.front().windows) labelled_windows[w.start_ms] = std::move(w);
    }
  }
  std::string output;
  if (rule.metric.name == "prediction_drift") {
    ASSIGN_OR_RETURN(output, monitor_.OutputName(rule.deployment, out.model, out.version));
  }
  for (const auto& [info, profile] : profiles) {
    if (info.rows < rule.min_rows) continue;
    WindowData w{reference ? &*reference : nullptr, &profile, nullptr, output};
    if (auto it = labelled_windows.find(info.start_ms); it != labelled_windows.end()) w.labels = &it->second;
    ASSIGN_OR_RETURN(std::optional<double> value, MetricValue(rule.metric, w));
    out.values.push_back(value);
    out.newest_start = info.start_ms;
  }
  return out;
}

Result<AlertEvaluator::Values> AlertEvaluator::ErrorRateValues(const AlertRule& rule) {
  Values out;
  // The version a notification names: the one with most rows in the newest window.
  int64_t now_ms = clock_.NowMillis();
  ASSIGN_OR_RETURN(auto windows, monitor_.ListWindows(rule.deployment, now_ms - 24 * window_ms_, now_ms + window_ms_));
  if (auto version = NewestVersion(windows)) std::tie(out.model, out.version) = *version;
  ErrorRate& e = error_rates_[rule.name];
  std::pair<uint64_t, uint64_t> now = request_counts_ ? request_counts_(rule.deployment) : std::pair<uint64_t, uint64_t>{};
  if (e.seen && now.first >= e.last.first && now.second >= e.last.second) {
    uint64_t requests = now.first - e.last.first;
    std::optional<double> rate;
    if (requests > 0 && static_cast<int64_t>(requests) >= rule.min_rows) {
      rate = static_cast<double>(now.second - e.last.second) / static_cast<double>(requests);
    }
    e.values.push_back(rate);
    while (e.values.size() > static_cast<size_t>(rule.for_windows) * 3 + 1) e.values.pop_front();
  }
  e.last = now;
  e.seen = true;
  out.values.assign(e.values.begin(), e.values.end());
  return out;
}

Status AlertEvaluator::Evaluate(const AlertRule& rule, const AlertStatus& before) {
  int64_t now = clock_.NowMillis();
  AlertStatus after = before;
  after.rule = rule.name;
  after.evaluated_ms = now;
  after.error.clear();
  Result<Values> values = rule.metric.name == "error_rate" ? ErrorRateValues(rule) : WindowValues(rule);
  if (!values.ok()) {
    after.error = values.status().message();  // the state stands; the rule says why it was not evaluated
    return alerts_.Record(after, nullptr);
  }
  AlertEvaluation eval = monitoring::Evaluate(rule, values->values);
  after.state = eval.state;
  after.value = eval.value;
  after.window_start = values->newest_start;
  if (!values->model.empty()) {
    after.model = values->model;
    after.version = values->version;
  }
  if (before.evaluated_ms == 0) after.since_ms = now;  // first evaluation
  std::optional<AlertTransition> t = Transition(before.state, eval.state);
  if (!t) return alerts_.Record(after, nullptr);
  after.since_ms = now;
  AlertEvent event = EventOf(rule, after, *t, now);
  return alerts_.Record(after, &event);
}

Status AlertEvaluator::Notify() {
  if (!notifier_) return Status::Ok();
  ASSIGN_OR_RETURN(auto events, alerts_.Unnotified(kNotifyBatch));
  for (const AlertEvent& e : events) {
    Result<AlertRule> rule = alerts_.Rule(e.rule);
    Status st = rule.ok() ? notifier_(e, *rule) : rule.status();
    if (!st.ok() && st.code() != StatusCode::kNotFound) {
      Log(LogLevel::kWarn, "alert notification failed; retried next pass",
          {{"rule", e.rule}, {"error", st.message()}});
      return Status::Ok();
    }
    if (!st.ok()) Log(LogLevel::kWarn, "alert notification dropped", {{"rule", e.rule}, {"error", st.message()}});
    RETURN_IF_ERROR(alerts_.MarkNotified(e.id));
  }
  return Status::Ok();
}

Status AlertEvaluator::EvaluateAll() {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto alerts, alerts_.RulesWithStates());
  for (const auto& [rule, before] : alerts) RETURN_IF_ERROR(Evaluate(rule, before));
  return Notify();
}

}  // namespace ferry::monitoring
