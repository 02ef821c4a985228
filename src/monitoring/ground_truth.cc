#include "monitoring/ground_truth.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace ferry::monitoring {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxIdBytes = 256;
constexpr size_t kMaxLabelBytes = 1024;
constexpr int64_t kMaxRow = int64_t{1} << 31;

Result<LabelEntry> ParseLabel(const Json& entry, const std::string& where) {
  if (!entry.is_object()) return InvalidArgument(where + ": must be an object");
  LabelEntry out;
  bool has_label = false;
  for (const auto& [key, value] : entry.items()) {
    if (key == "prediction_id") {
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        return InvalidArgument(where + ".prediction_id: must be a non-empty string");
      }
      out.prediction_id = value.get<std::string>();
      if (out.prediction_id.size() > kMaxIdBytes) {
        return InvalidArgument(where + ".prediction_id: longer than " + std::to_string(kMaxIdBytes) + " bytes");
      }
    } else if (key == "row") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() >= kMaxRow) {
        return InvalidArgument(where + ".row: must be an integer in [0, 2^31)");
      }
      out.row = value.get<int64_t>();
    } else if (key == "label") {
      has_label = true;
      if (value.is_boolean()) {
        out.label = value.get<bool>() ? "1" : "0";
      } else if (value.is_number()) {
        if (!std::isfinite(value.get<double>())) return InvalidArgument(where + ".label: must be finite");
        out.label = value.dump();
      } else if (value.is_string()) {
        if (value.get_ref<const std::string&>().size() > kMaxLabelBytes) {
          return InvalidArgument(where + ".label: longer than " + std::to_string(kMaxLabelBytes) + " bytes");
        }
        out.label = value.dump(-1, ' ', false, Json::error_handler_t::replace);
      } else {
        return InvalidArgument(where + ".label: must be a number, string or boolean");
      }
    } else {
      return InvalidArgument(where + "." + key + ": unknown field (expected prediction_id, row, label)");
    }
  }
  if (out.prediction_id.empty()) return InvalidArgument(where + ".prediction_id: missing");
  if (!has_label) return InvalidArgument(where + ".label: missing");
  return out;
}

// The label as an outcome's truth.
void SetLabel(const std::string& text, Outcome* o) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_number()) {
    o->label_is_number = true;
    o->label_number = j.get<double>();
    double whole = 0;
    o->label = std::modf(o->label_number, &whole) == 0 && std::fabs(whole) < 9e15
                   ? std::to_string(static_cast<int64_t>(whole))
                   : j.dump();
  } else if (j.is_string()) {
    o->label = j.get<std::string>();
  }
}

// The output tensor of one request, parsed once for all its labelled rows.
struct RequestOutput {
  bool found = false;
  int64_t rows = 0;
  size_t width = 1;
  Json data;
};

RequestOutput OutputOf(const std::string& outputs, const std::string& name) {
  RequestOutput out;
  Json all = Json::parse(outputs, nullptr, false);
  if (!all.is_object() || all.empty()) return out;
  auto it = name.empty() ? all.begin() : all.find(name);
  if (it == all.end() || !it->is_object()) return out;
  const Json& shape = (*it)["shape"];
  out.data = std::move((*it)["data"]);
  if (!shape.is_array() || !out.data.is_array()) return out;
  for (const Json& d : shape) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40)) return out;
  }
  out.rows = shape.empty() ? 1 : shape[0].get<int64_t>();
  for (size_t d = 1; d < shape.size(); ++d) out.width *= shape[d].get<size_t>();
  out.found = out.width > 0 && static_cast<size_t>(out.rows) * out.width == out.data.size();
  return out;
}

void SetOutput(const RequestOutput& r, int64_t row, Outcome* o) {
  size_t first = static_cast<size_t>(row) * r.width;
  if (r.width == 1 && r.data[first].is_string()) {
    o->output_text = r.data[first].get<std::string>();
    return;
  }
  for (size_t i = first; i < first + r.width; ++i) {
    o->output.push_back(r.data[i].is_number() ? r.data[i].get<double>() : std::nan(""));
  }
}

// numpy's default (linear) percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double q) {
  double at = q * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(at);
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

LabelDelay DelayOf(std::vector<double> seconds) {
  LabelDelay d;
  d.count = static_cast<int64_t>(seconds.size());
  if (seconds.empty()) return d;
  std::sort(seconds.begin(), seconds.end());
  double sum = 0;
  for (double s : seconds) sum += s;
  d.mean_s = sum / static_cast<double>(seconds.size());
  d.p50_s = Percentile(seconds, 0.5);
  d.p90_s = Percentile(seconds, 0.9);
  d.max_s = seconds.back();
  return d;
}

struct Labelled {
  Outcome outcome;
  int64_t time_ms = 0;
  double delay_s = 0;  // from prediction to label
};

// The outcomes and label delay of some labelled rows.
Result<std::pair<PerformanceMetrics, LabelDelay>> Judge(const std::vector<const Labelled*>& rows,
                                                        const PerformanceOptions& options) {
  std::vector<Outcome> outcomes;
  std::vector<double> delays;
  outcomes.reserve(rows.size());
  delays.reserve(rows.size());
  for (const Labelled* l : rows) {
    outcomes.push_back(l->outcome);
    delays.push_back(l->delay_s);
  }
  ASSIGN_OR_RETURN(PerformanceMetrics metrics, ComputePerformance(outcomes, options));
  return std::pair{std::move(metrics), DelayOf(std::move(delays))};
}

// One version's labelled rows → outcomes (in prediction-time order).
std::vector<Labelled> OutcomesOf(const std::vector<const LabelledPrediction*>& rows, const std::string& output,
                                 VersionPerformance* v) {
  std::vector<Labelled> out;
  std::set<std::string> roles;
  RequestOutput request;
  for (const LabelledPrediction* p : rows) {
    if (!p->outputs.empty()) {
      request = OutputOf(p->outputs, output);
      if (!request.found) ++v->outputs_missing;
    }
    roles.insert(p->role);
    if (!request.found) continue;
    if (p->row >= request.rows) {
      ++v->rows_out_of_range;
      continue;
    }
    Labelled& l = out.emplace_back();
    l.time_ms = p->time_ms;
    l.delay_s = static_cast<double>(p->received_ms - p->time_ms) / 1000.0;
    SetOutput(request, p->row, &l.outcome);
    SetLabel(p->label, &l.outcome);
  }
  v->roles.assign(roles.begin(), roles.end());
  return out;
}

Status Compute(const std::vector<Labelled>& labelled, const GroundTruthOptions& options, VersionPerformance* v) {
  std::vector<const Labelled*> all;
  all.reserve(labelled.size());
  for (const Labelled& l : labelled) all.push_back(&l);
  ASSIGN_OR_RETURN(std::tie(v->metrics, v->delay), Judge(all, options.performance));
  if (options.window_ms <= 0) return Status::Ok();
  PerformanceOptions same_task = options.performance;
  same_task.task = v->metrics.task;  // every window judged as the whole range is
  same_task.output = v->metrics.output;
  std::map<int64_t, std::vector<const Labelled*>> windows;
  for (const Labelled& l : labelled) windows[WindowStart(l.time_ms, options.window_ms)].push_back(&l);
  for (const auto& [start, rows] : windows) {
    WindowPerformance& w = v->windows.emplace_back();
    w.start_ms = start;
    w.end_ms = start + options.window_ms;
    ASSIGN_OR_RETURN(std::tie(w.metrics, w.delay), Judge(rows, same_task));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<LabelEntry>> ParseLabels(const Json& body) {
  if (!body.is_object() || !body.contains("labels")) {
    return InvalidArgument("body: expected {\"labels\": [{\"prediction_id\", \"row\", \"label\"}, ...]}");
  }
  const Json& list = body["labels"];
  if (!list.is_array()) return InvalidArgument("labels: must be a list");
  if (list.empty()) return InvalidArgument("labels: the list is empty");
  if (list.size() > kMaxLabelsPerBatch) {
    return InvalidArgument("labels: at most " + std::to_string(kMaxLabelsPerBatch) + " per request");
  }
  std::vector<LabelEntry> out;
  std::map<std::pair<std::string, int64_t>, size_t> at;  // (id, row) → index in `out`
  for (size_t i = 0; i < list.size(); ++i) {
    ASSIGN_OR_RETURN(LabelEntry e, ParseLabel(list[i], "labels[" + std::to_string(i) + "]"));
    auto [it, added] = at.try_emplace({e.prediction_id, e.row}, out.size());
    if (added) {
      out.push_back(std::move(e));
    } else {
      out[it->second] = std::move(e);
    }
  }
  return out;
}

Result<std::vector<VersionPerformance>> PerformanceOf(const std::vector<LabelledPrediction>& rows,
                                                      const GroundTruthOptions& options) {
  std::map<std::pair<std::string, int64_t>, std::vector<const LabelledPrediction*>> by_version;
  for (const LabelledPrediction& p : rows) by_version[{p.model, p.version}].push_back(&p);
  std::vector<VersionPerformance> out;
  for (const auto& [key, version_rows] : by_version) {
    VersionPerformance& v = out.emplace_back();
    v.model = key.first;
    v.version = key.second;
    std::vector<Labelled> labelled = OutcomesOf(version_rows, options.output, &v);
    Status st = Compute(labelled, options, &v);
    if (!st.ok()) {
      return InvalidArgument(v.model + " version " + std::to_string(v.version) + ": " + st.message());
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const VersionPerformance& a, const VersionPerformance& b) {
    return a.metrics.rows > b.metrics.rows;
  });
  return out;
}

namespace {

Json DelayToJson(const LabelDelay& d) {
  return {{"count", d.count}, {"mean_s", d.mean_s}, {"p50_s", d.p50_s}, {"p90_s", d.p90_s}, {"max_s", d.max_s}};
}

}  // namespace

Json VersionPerformanceToJson(const VersionPerformance& v) {
  Json windows = Json::array();
  for (const WindowPerformance& w : v.windows) {
    windows.push_back({{"start", w.start_ms},
                       {"end", w.end_ms},
                       {"metrics", PerformanceToJson(w.metrics)},
                       {"label_delay", DelayToJson(w.delay)}});
  }
  return {{"model", v.model},
          {"version", v.version},
          {"roles", v.roles},
          {"metrics", PerformanceToJson(v.metrics)},
          {"label_delay", DelayToJson(v.delay)},
          {"rows_out_of_range", v.rows_out_of_range},
          {"outputs_missing", v.outputs_missing},
          {"windows", std::move(windows)}};
}

}  // namespace ferry::monitoring
