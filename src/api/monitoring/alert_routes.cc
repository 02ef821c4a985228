// Alert rules and their states under /api/v1/alerts:
//   PUT    /api/v1/alerts/rules          a rules file (YAML) or {"rules": [...]}: all or none
//   PUT    /api/v1/alerts/rules/{name}   one rule (JSON; the name comes from the path)
//   GET    /api/v1/alerts/rules[/{name}]
//   DELETE /api/v1/alerts/rules/{name}
//   GET    /api/v1/alerts                every rule with its state
//   GET    /api/v1/alerts/history        transitions, newest first (?rule=, ?limit=)
//   POST   /api/v1/alerts/evaluate       evaluate every rule now
#include <algorithm>

#include "api/handler.h"
#include "api/json_util.h"
#include "api/monitoring/monitoring_routes.h"

namespace ferry::api {
namespace {

using monitoring::AlertRule;
using monitoring::MonitoringService;

constexpr ErrorStyle kStyle = ErrorStyle::kFerry;
constexpr int64_t kMaxHistory = 10000;

Json Optional(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }
Json Optional(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(nullptr); }

Json AlertToJson(const AlertRule& rule, const monitoring::AlertStatus& s) {
  return {{"rule", monitoring::AlertRuleToJson(rule)},
          {"state", monitoring::AlertStateName(s.state)},
          {"since", s.since_ms},
          {"value", Optional(s.value)},
          {"window_start", Optional(s.window_start)},
          {"model", s.model},
          {"version", s.version},
          {"error", s.error},
          {"evaluated_time", s.evaluated_ms}};
}

Json EventToJson(const monitoring::AlertEvent& e) {
  return {{"id", e.id},
          {"rule", e.rule},
          {"deployment", e.deployment},
          {"model", e.model},
          {"version", e.version},
          {"from", monitoring::AlertStateName(e.from)},
          {"to", monitoring::AlertStateName(e.to)},
          {"kind", e.kind},
          {"value", Optional(e.value)},
          {"threshold", e.threshold},
          {"window_start", Optional(e.window_start)},
          {"time", e.time_ms},
          {"notified", e.notified}};
}

// A YAML rules file, or JSON {"rules": [rule, ...]}.
Result<std::vector<AlertRule>> RulesOf(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return monitoring::ParseAlertRulesYaml(body);
  if (!j.is_object() || !j.contains("rules") || !j["rules"].is_array()) {
    return InvalidArgument("body: expected a rules file (YAML) or {\"rules\": [...]}");
  }
  std::vector<AlertRule> rules;
  for (size_t i = 0; i < j["rules"].size(); ++i) {
    Result<AlertRule> rule = monitoring::AlertRuleFromJson(j["rules"][i]);
    if (!rule.ok()) return InvalidArgument("rules[" + std::to_string(i) + "]: " + rule.status().message());
    rules.push_back(std::move(*rule));
  }
  return rules;
}

Result<Json> RulesToJson(const std::vector<AlertRule>& rules) {
  Json list = Json::array();
  for (const AlertRule& r : rules) list.push_back(monitoring::AlertRuleToJson(r));
  return Json{{"rules", list}};
}

Handler PutRules(MonitoringService& monitoring) {
  return [&](HttpRequest& r) -> HttpResponse {
    Result<std::vector<AlertRule>> rules = RulesOf(r.body);
    Status st = rules.ok() ? monitoring.PutAlertRules(*rules) : rules.status();
    Result<Json> out = st.ok() ? RulesToJson(*rules) : Result<Json>(st);
    if (!out.ok()) return ErrorResponse(out.status(), kStyle);
    return JsonResponse(200, Dump(*out));
  };
}

Result<Json> PutRule(MonitoringService& monitoring, const Json& in, HttpRequest& r) {
  Json spec = in;
  const std::string& name = r.path_params["name"];
  if (spec.contains("name") && spec["name"] != name) {
    return InvalidArgument("name: the body names '" + spec["name"].dump() + "', the path '" + name + "'");
  }
  spec["name"] = name;
  ASSIGN_OR_RETURN(AlertRule rule, monitoring::AlertRuleFromJson(spec));
  RETURN_IF_ERROR(monitoring.PutAlertRules({rule}));
  return Json{{"rule", monitoring::AlertRuleToJson(rule)}};
}

Result<Json> ListAlerts(MonitoringService& monitoring) {
  ASSIGN_OR_RETURN(auto alerts, monitoring.Alerts());
  Json list = Json::array();
  for (const auto& [rule, status] : alerts) list.push_back(AlertToJson(rule, status));
  return Json{{"alerts", list}};
}

Result<Json> History(MonitoringService& monitoring, const Json& in) {
  ASSIGN_OR_RETURN(auto rule, GetOptString(in, "rule"));
  ASSIGN_OR_RETURN(auto limit, GetOptInt(in, "limit"));
  if (limit && (*limit < 1 || *limit > kMaxHistory)) {
    return InvalidArgument("'limit' must be in [1, " + std::to_string(kMaxHistory) + "]");
  }
  ASSIGN_OR_RETURN(auto events, monitoring.AlertHistory(rule.value_or(""), limit.value_or(100)));
  Json list = Json::array();
  for (const auto& e : events) list.push_back(EventToJson(e));
  return Json{{"events", list}};
}

}  // namespace

void AddAlertRoutes(Router& router, MonitoringService& monitoring) {
  router.Add(Method::kPut, "/api/v1/alerts/rules", PutRules(monitoring));
  router.Add(Method::kGet, "/api/v1/alerts/rules", JsonHandler(kStyle, [&](const Json&, HttpRequest&) -> Result<Json> {
               ASSIGN_OR_RETURN(auto rules, monitoring.AlertRules());
               return RulesToJson(rules);
             }));
  router.Add(Method::kPut, "/api/v1/alerts/rules/{name}",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest& r) { return PutRule(monitoring, in, r); }));
  router.Add(Method::kGet, "/api/v1/alerts/rules/{name}",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) -> Result<Json> {
               ASSIGN_OR_RETURN(auto rule, monitoring.GetAlertRule(r.path_params["name"]));
               return Json{{"rule", monitoring::AlertRuleToJson(rule)}};
             }));
  router.Add(Method::kDelete, "/api/v1/alerts/rules/{name}",
             JsonHandler(kStyle, [&](const Json&, HttpRequest& r) {
               return EmptyOr(monitoring.DeleteAlertRule(r.path_params["name"]));
             }));
  router.Add(Method::kGet, "/api/v1/alerts",
             JsonHandler(kStyle, [&](const Json&, HttpRequest&) { return ListAlerts(monitoring); }));
  router.Add(Method::kGet, "/api/v1/alerts/history",
             JsonHandler(kStyle, [&](const Json& in, HttpRequest&) { return History(monitoring, in); }));
  router.Add(Method::kPost, "/api/v1/alerts/evaluate", JsonHandler(kStyle, [&](const Json&, HttpRequest&) {
               Status st = monitoring.EvaluateAlerts();
               if (!st.ok()) return Result<Json>(st);
               return ListAlerts(monitoring);
             }));
}

}  // namespace ferry::api
