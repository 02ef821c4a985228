#include "api/mlflow/mlflow_json.h"

namespace ferry::api {

using tracking::Metric;
using tracking::Param;
using tracking::Tag;

Json TagsToJson(const std::vector<Tag>& tags) {
  Json arr = Json::array();
  for (const Tag& t : tags) arr.push_back({{"key", t.key}, {"value", t.value}});
  return arr;
}

Json ParamsToJson(const std::vector<Param>& params) {
  Json arr = Json::array();
  for (const Param& p : params) arr.push_back({{"key", p.key}, {"value", p.value}});
  return arr;
}

namespace {

std::string Field(std::string_view list, size_t i, std::string_view name) {
  return std::string(list) + "[" + std::to_string(i) + "]." + std::string(name);
}

// A key/value pair where the value may be absent ("").
Result<std::pair<std::string, std::string>> KeyValue(const Json& item,
                                                     std::string_view list,
                                                     size_t i) {
  ASSIGN_OR_RETURN(std::optional<std::string> key, GetOptString(item, "key"));
  if (!key || key->empty()) return MissingField(Field(list, i, "key"));
  auto value = GetOptString(item, "value");
  if (!value.ok()) return WrongType(Field(list, i, "value"), "a string", item["value"]);
  return std::make_pair(*std::move(key), value->value_or(""));
}
}  // namespace

Json ExperimentToJson(const tracking::Experiment& e) {
  Json j = {{"experiment_id", std::to_string(e.experiment_id)},
            {"name", e.name},
            {"artifact_location", e.artifact_location},
            {"lifecycle_stage", e.lifecycle_stage},
            {"creation_time", e.creation_time},
            {"last_update_time", e.last_update_time}};
  if (!e.tags.empty()) j["tags"] = TagsToJson(e.tags);
  return j;
}

Json RunInfoToJson(const tracking::RunInfo& info) {
  Json j = {{"run_id", info.run_id},
            {"run_uuid", info.run_id},
            {"run_name", info.run_name},
            {"experiment_id", std::to_string(info.experiment_id)},
            {"user_id", info.user_id},
            {"status", info.status},
            {"start_time", info.start_time},
            {"artifact_uri", info.artifact_uri},
            {"lifecycle_stage", info.lifecycle_stage}};
  if (info.end_time) j["end_time"] = *info.end_time;
  return j;
}

Json MetricToJson(const Metric& m) {
  return {{"key", m.key},
          {"value", DoubleToJson(m.value)},
          {"timestamp", m.timestamp},
          {"step", m.step}};
}

Json RunToJson(const tracking::Run& run) {
  Json metrics = Json::array();
  for (const Metric& m : run.metrics) metrics.push_back(MetricToJson(m));
  Json params = ParamsToJson(run.params);
  Json data = Json::object();
  if (!metrics.empty()) data["metrics"] = metrics;
  if (!params.empty()) data["params"] = params;
  if (!run.tags.empty()) data["tags"] = TagsToJson(run.tags);
  Json inputs = Json::object();
  if (!run.inputs.empty()) {
    Json list = Json::array();
    for (const auto& in : run.inputs) {
      const auto& d = in.dataset;
      Json item = {{"dataset",
                    {{"name", d.name},
                     {"digest", d.digest},
                     {"source_type", d.source_type},
                     {"source", d.source},
                     {"schema", d.schema},
                     {"profile", d.profile}}}};
      if (!in.tags.empty()) item["tags"] = TagsToJson(in.tags);
      list.push_back(std::move(item));
    }
    inputs["dataset_inputs"] = std::move(list);
  }
  return {{"info", RunInfoToJson(run.info)}, {"data", data}, {"inputs", inputs}};
}

Result<std::vector<Tag>> TagsFromJson(const Json& obj, std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<Json> items, GetObjectList(obj, field));
  std::vector<Tag> tags;
  tags.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(auto kv, KeyValue(items[i], field, i));
    tags.push_back({std::move(kv.first), std::move(kv.second)});
  }
  return tags;
}

Result<std::vector<Param>> ParamsFromJson(const Json& obj,
                                          std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<Json> items, GetObjectList(obj, field));
  std::vector<Param> params;
  params.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(auto kv, KeyValue(items[i], field, i));
    params.push_back({std::move(kv.first), std::move(kv.second)});
  }
  return params;
}

Result<std::vector<Metric>> MetricsFromJson(const Json& obj, std::string_view field,
                                            std::optional<int64_t> default_timestamp) {
  auto it = obj.find(field);
  std::vector<Metric> metrics;
  if (it == obj.end() || it->is_null()) return metrics;
  if (!it->is_array()) return WrongType(field, "a list of metrics", *it);
  metrics.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!item.is_object()) return WrongType(where, "an object", item);
    Metric m;
    auto key = GetOptString(item, "key");
    if (!key.ok()) return WrongType(where + ".key", "a string", item["key"]);
    if (!*key || (*key)->empty()) return MissingField(where + ".key");
    m.key = **key;
    auto value = GetDouble(item, "value");
    if (!value.ok()) {
      return InvalidArgument(where + ".value: " + value.status().message());
    }
    m.value = *value;
    auto ts = GetOptInt(item, "timestamp");
    if (!ts.ok()) return InvalidArgument(where + ".timestamp: " + ts.status().message());
    if (!*ts && !default_timestamp) return MissingField(where + ".timestamp");
    m.timestamp = ts->has_value() ? **ts : *default_timestamp;
    auto step = GetOptInt(item, "step");
    if (!step.ok()) return InvalidArgument(where + ".step: " + step.status().message());
    m.step = step->value_or(0);
    metrics.push_back(std::move(m));
  }
  return metrics;
}

Result<std::vector<tracking::DatasetInput>> DatasetInputsFromJson(
    const Json& obj, std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<Json> items, GetObjectList(obj, field));
  std::vector<tracking::DatasetInput> inputs;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    tracking::DatasetInput in;
    ASSIGN_OR_RETURN(in.tags, TagsFromJson(items[i], "tags"));
    auto ds = items[i].find("dataset");
    if (ds == items[i].end() || !ds->is_object()) {
      return MissingField(where + ".dataset");
    }
    auto text = [&](const char* name, std::string& out) -> Status {
      auto v = GetOptString(*ds, name);
      if (!v.ok()) return WrongType(where + ".dataset." + name, "a string", (*ds)[name]);
      out = v->value_or("");
      return Status::Ok();
    };
    tracking::Dataset& d = in.dataset;
    RETURN_IF_ERROR(text("name", d.name));
    RETURN_IF_ERROR(text("digest", d.digest));
    RETURN_IF_ERROR(text("source_type", d.source_type));
    RETURN_IF_ERROR(text("source", d.source));
    RETURN_IF_ERROR(text("schema", d.schema));
    RETURN_IF_ERROR(text("profile", d.profile));
    inputs.push_back(std::move(in));
  }
  return inputs;
}

Result<tracking::ViewType> ViewTypeFromJson(const Json& obj,
                                            std::string_view field) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return tracking::ViewType::kActiveOnly;
  std::string v = it->is_string() ? it->get<std::string>()
                  : it->is_number_integer() ? std::to_string(it->get<int64_t>())
                                            : "";
  if (v == "ACTIVE_ONLY" || v == "1") return tracking::ViewType::kActiveOnly;
  if (v == "DELETED_ONLY" || v == "2") return tracking::ViewType::kDeletedOnly;
  if (v == "ALL" || v == "3") return tracking::ViewType::kAll;
  return WrongType(field, "one of ACTIVE_ONLY, DELETED_ONLY, ALL", *it);
}

}  // namespace ferry::api
