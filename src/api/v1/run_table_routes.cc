// The API the web UI's runs views read: an offset-addressed page of runs
// with the total (virtual scrolling over 100,000 runs), the keys an
// experiment's runs use (column choices), and metric histories of many runs
// at once, thinned on the server (tracking/downsample.h).
#include <cmath>

#include "api/handler.h"
#include "api/json_util.h"
#include "api/mlflow/mlflow_json.h"
#include "api/services.h"
#include "api/tracking_requests.h"
#include "tracking/downsample.h"

namespace ferry::api {
namespace {

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;
constexpr int64_t kMaxSeries = 200;         // runs × keys in one history request
constexpr int64_t kDefaultPoints = 1000;
constexpr int64_t kMaxPoints = 10000;

Result<Json> RunPage(Services& s, const Json& in) {
  tracking::RunPageRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids, GetStringList(in, "experiment_ids", false));
  if (req.experiment_ids.empty()) return InvalidArgument("experiment_ids: give at least one");
  ASSIGN_OR_RETURN(auto filter, GetOptString(in, "filter"));
  req.filter = filter.value_or("");
  ASSIGN_OR_RETURN(req.order_by, GetStringList(in, "order_by"));
  ASSIGN_OR_RETURN(req.view, ViewTypeFromJson(in, "run_view_type"));
  ASSIGN_OR_RETURN(auto offset, GetOptInt(in, "offset"));
  ASSIGN_OR_RETURN(auto limit, GetOptInt(in, "limit"));
  req.offset = offset.value_or(0);
  req.limit = limit.value_or(100);
  ASSIGN_OR_RETURN(req.top_level_only, GetOptBool(in, "top_level_only"));
  if (in.contains("count_total")) {
    ASSIGN_OR_RETURN(req.count_total, GetOptBool(in, "count_total"));
  }
  ASSIGN_OR_RETURN(tracking::RunPage page, s.tracking.SearchRunPage(req));
  Json runs = Json::array();
  for (const auto& r : page.runs) runs.push_back(RunToJson(r));
  Json children = Json::object();
  for (const auto& [id, n] : page.child_counts) children[id] = n;
  Json out = {{"runs", std::move(runs)}, {"offset", req.offset}, {"child_counts", std::move(children)}};
  if (page.total >= 0) out["total"] = page.total;
  return out;
}

Result<Json> Keys(Services& s, const std::string& experiment_id) {
  ASSIGN_OR_RETURN(tracking::RunKeys keys, s.tracking.ExperimentKeys({experiment_id}));
  return Json{{"metrics", keys.metrics}, {"params", keys.params}, {"tags", keys.tags}};
}

Json SeriesToJson(const std::string& run_id, const std::string& key,
                  const std::vector<tracking::Metric>& all, size_t max_points) {
  std::vector<tracking::Metric> kept = tracking::Downsample(all, max_points);
  Json steps = Json::array(), values = Json::array(), times = Json::array();
  for (const auto& m : kept) {
    steps.push_back(m.step);
    values.push_back(DoubleToJson(m.value));
    times.push_back(m.timestamp);
  }
  return Json{{"run_id", run_id},          {"key", key},
              {"total", all.size()},       {"downsampled", kept.size() < all.size()},
              {"steps", std::move(steps)}, {"values", std::move(values)},
              {"timestamps", std::move(times)}};
}

Result<Json> Histories(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(auto run_ids, GetStringList(in, "run_ids", false));
  ASSIGN_OR_RETURN(auto keys, GetStringList(in, "keys", false));
  if (run_ids.empty()) return InvalidArgument("run_ids: give at least one run id");
  if (keys.empty()) return InvalidArgument("keys: give at least one metric key");
  if (static_cast<int64_t>(run_ids.size() * keys.size()) > kMaxSeries) {
    return InvalidArgument("run_ids × keys: at most " + std::to_string(kMaxSeries) +
                           " series in one request, got " +
                           std::to_string(run_ids.size() * keys.size()));
  }
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_points"));
  int64_t max_points = max.value_or(kDefaultPoints);
  if (max_points < 4 || max_points > kMaxPoints) {
    return InvalidArgument("max_points must be between 4 and " + std::to_string(kMaxPoints) +
                           ", got " + std::to_string(max_points));
  }
  Json series = Json::array();
  for (const auto& run_id : run_ids) {
    for (const auto& key : keys) {
      ASSIGN_OR_RETURN(auto history, s.tracking.GetMetricHistory(run_id, key, 0, ""));
      series.push_back(SeriesToJson(run_id, key, history.metrics, static_cast<size_t>(max_points)));
    }
  }
  return Json{{"series", std::move(series)}};
}

}  // namespace

void AddRunTableRoutes(Router& router, Services& s) {
  router.Add(Method::kPost, "/api/v1/runs/page",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest&) { return RunPage(s, in); }));
  router.Add(Method::kGet, "/api/v1/experiments/{id}/keys",
             JsonHandler(kStyle, [&s](const Json&, HttpRequest& r) {
               return Keys(s, r.path_params["id"]);
             }));
  router.Add(Method::kPost, "/api/v1/metrics/history",
             JsonHandler(kStyle, [&s](const Json& in, HttpRequest&) { return Histories(s, in); }));
}

}  // namespace ferry::api
