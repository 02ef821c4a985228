#include "monitoring/alert_store.h"

#include <map>

namespace ferry::monitoring {

namespace {

using Json = nlohmann::json;

AlertState StateNamed(const std::string& name) {
  if (name == "firing") return AlertState::kFiring;
  if (name == "pending") return AlertState::kPending;
  return AlertState::kInactive;
}

store::SqlValue Optional(const std::optional<double>& v) { return v ? store::SqlValue(*v) : nullptr; }
store::SqlValue Optional(const std::optional<int64_t>& v) { return v ? store::SqlValue(*v) : nullptr; }

Result<AlertRule> RuleFromSpec(const std::string& spec) {
  Json j = Json::parse(spec, nullptr, false);
  if (j.is_discarded()) return Internal("stored alert rule is not JSON");
  return AlertRuleFromJson(j);
}

}  // namespace

Status AlertStore::PutRules(const std::vector<AlertRule>& rules) {
  int64_t now = clock_.NowMillis();
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    for (const AlertRule& r : rules) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO monitor_alert_rules (name, deployment, spec, created_time, "
                                   "updated_time) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                                   "deployment = excluded.deployment, spec = excluded.spec, "
                                   "updated_time = excluded.updated_time",
                                   {r.name, r.deployment, AlertRuleToJson(r).dump(), now, now})
                          .status());
    }
    return Status::Ok();
  });
}

Result<std::vector<AlertRule>> AlertStore::Rules() {
  std::vector<std::string> specs;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT spec FROM monitor_alert_rules ORDER BY name", {}, [&](const store::Row& row) {
      specs.push_back(row.GetText(0));
      return Status::Ok();
    });
  }));
  std::vector<AlertRule> out;
  for (const std::string& spec : specs) {
    ASSIGN_OR_RETURN(AlertRule rule, RuleFromSpec(spec));
    out.push_back(std::move(rule));
  }
  return out;
}

Result<AlertRule> AlertStore::Rule(const std::string& name) {
  std::optional<std::string> spec;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT spec FROM monitor_alert_rules WHERE name = ?", {name}, [&](const store::Row& row) {
      spec = row.GetText(0);
      return Status::Ok();
    });
  }));
  if (!spec) return NotFound("alert rule '" + name + "' not found");
  return RuleFromSpec(*spec);
}

Status AlertStore::DeleteRule(const std::string& name) {
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, conn.Execute("DELETE FROM monitor_alert_rules WHERE name = ?", {name}));
    if (n == 0) return NotFound("alert rule '" + name + "' not found");
    return conn.Execute("DELETE FROM monitor_alert_states WHERE name = ?", {name}).status();
  });
}

Result<std::vector<AlertStatus>> AlertStore::States() {
  std::vector<AlertStatus> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(
        "SELECT name, state, since, value, window_start, model, version, error, evaluated_time FROM "
        "monitor_alert_states ORDER BY name",
        {}, [&](const store::Row& row) {
          AlertStatus& s = out.emplace_back();
          s.rule = row.GetText(0);
          s.state = StateNamed(row.GetText(1));
          s.since_ms = row.GetInt(2);
          if (!row.IsNull(3)) s.value = row.GetDouble(3);
          if (!row.IsNull(4)) s.window_start = row.GetInt(4);
          s.model = row.GetText(5);
          s.version = row.GetInt(6);
          s.error = row.GetText(7);
          s.evaluated_ms = row.GetInt(8);
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<std::pair<AlertRule, AlertStatus>>> AlertStore::RulesWithStates() {
  ASSIGN_OR_RETURN(auto rules, Rules());
  ASSIGN_OR_RETURN(auto states, States());
  std::map<std::string, AlertStatus> by_rule;
  for (AlertStatus& s : states) by_rule[s.rule] = std::move(s);
  std::vector<std::pair<AlertRule, AlertStatus>> out;
  for (AlertRule& r : rules) {
    AlertStatus status;
    status.rule = r.name;
    if (auto it = by_rule.find(r.name); it != by_rule.end()) status = std::move(it->second);
    out.emplace_back(std::move(r), std::move(status));
  }
  return out;
}

Status AlertStore::Record(const AlertStatus& s, const AlertEvent* e) {
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    RETURN_IF_ERROR(
        conn.Execute("INSERT INTO monitor_alert_states (name, state, since, value, window_start, model, version, "
                     "error, evaluated_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                     "state = excluded.state, since = excluded.since, value = excluded.value, "
                     "window_start = excluded.window_start, model = excluded.model, version = excluded.version, "
                     "error = excluded.error, evaluated_time = excluded.evaluated_time",
                     {s.rule, std::string(AlertStateName(s.state)), s.since_ms, Optional(s.value),
                      Optional(s.window_start), s.model, s.version, s.error, s.evaluated_ms})
            .status());
    if (!e) return Status::Ok();
    return conn
        .Execute("INSERT INTO monitor_alert_events (rule, deployment, model, version, from_state, to_state, kind, "
                 "value, threshold, window_start, time, notified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {e->rule, e->deployment, e->model, e->version, std::string(AlertStateName(e->from)),
                  std::string(AlertStateName(e->to)), e->kind, Optional(e->value), e->threshold,
                  Optional(e->window_start), e->time_ms, int64_t{e->notified ? 1 : 0}})
        .status();
  });
}

Result<std::vector<AlertEvent>> AlertStore::Events(const std::string& where, const store::SqlParams& params,
                                                   const std::string& order, int64_t limit) {
  std::vector<AlertEvent> out;
  store::SqlParams all = params;
  all.push_back(limit);
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(
        "SELECT event_id, rule, deployment, model, version, from_state, to_state, kind, value, threshold, "
        "window_start, time, notified FROM monitor_alert_events " +
            where + " ORDER BY event_id " + order + " LIMIT ?",
        all, [&](const store::Row& row) {
          AlertEvent& e = out.emplace_back();
          e.id = row.GetInt(0);
          e.rule = row.GetText(1);
          e.deployment = row.GetText(2);
          e.model = row.GetText(3);
          e.version = row.GetInt(4);
          e.from = StateNamed(row.GetText(5));
          e.to = StateNamed(row.GetText(6));
          e.kind = row.GetText(7);
          if (!row.IsNull(8)) e.value = row.GetDouble(8);
          e.threshold = row.GetDouble(9);
          if (!row.IsNull(10)) e.window_start = row.GetInt(10);
          e.time_ms = row.GetInt(11);
          e.notified = row.GetInt(12) != 0;
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<AlertEvent>> AlertStore::History(const std::string& rule, int64_t limit) {
  if (rule.empty()) return Events("", {}, "DESC", limit);
  return Events("WHERE rule = ?", {rule}, "DESC", limit);
}

Result<std::vector<AlertEvent>> AlertStore::Unnotified(int64_t limit) {
  return Events("WHERE notified = 0", {}, "ASC", limit);
}

Status AlertStore::MarkNotified(int64_t event_id) {
  return db_.Write([&](store::SqlConnection& conn) {
    return conn.Execute("UPDATE monitor_alert_events SET notified = 1 WHERE event_id = ?", {event_id}).status();
  });
}

}  // namespace ferry::monitoring
