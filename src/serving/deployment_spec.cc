#include "serving/deployment_spec.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>

namespace ferry::serving {
namespace {

using Json = nlohmann::json;

Result<std::string> RefField(const Json& obj, const std::string& field, bool required) {
  if (!obj.contains("model") || obj["model"].is_null()) {
    if (required) return InvalidArgument("Missing value for required field '" + field + "'");
    return std::string();
  }
  if (!obj["model"].is_string() || obj["model"].get<std::string>().empty() ||
      obj["model"].get<std::string>().size() > 512) {
    return InvalidArgument("'" + field + "' must be a model reference such as fraud@champion");
  }
  return obj["model"].get<std::string>();
}

Result<int> IntField(const Json& obj, const char* key, int min, int max) {
  const Json& v = obj[key];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
    return InvalidArgument("'batching." + std::string(key) + "' must be an integer in [" +
                           std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int>(v.get<int64_t>());
}

Status ReadBatching(const Json& json, BatchOptions& b) {
  if (!json.contains("batching") || json["batching"].is_null()) return Status::Ok();
  const Json& o = json["batching"];
  if (!o.is_object()) return InvalidArgument("'batching' must be an object");
  for (const auto& [key, value] : o.items()) {
    if (key == "max_batch_size") {
      ASSIGN_OR_RETURN(b.max_batch_size, IntField(o, "max_batch_size", 1, 65536));
    } else if (key == "max_queue_delay_us") {
      ASSIGN_OR_RETURN(b.max_queue_delay_us, IntField(o, "max_queue_delay_us", 0, 1000000));
    } else if (key == "instances") {
      ASSIGN_OR_RETURN(b.instances, IntField(o, "instances", 1, 64));
    } else if (key == "max_queue") {
      ASSIGN_OR_RETURN(b.max_queue, IntField(o, "max_queue", 1, 1000000));
    } else {
      return InvalidArgument("unknown field 'batching." + key + "'");
    }
  }
  return Status::Ok();
}

Json YamlToJson(const YAML::Node& node, int depth) {
  if (depth > 8) return nullptr;
  if (node.IsMap()) {
    Json obj = Json::object();
    for (const auto& kv : node) obj[kv.first.as<std::string>()] = YamlToJson(kv.second, depth + 1);
    return obj;
  }
  if (node.IsSequence()) {
    Json arr = Json::array();
    for (const auto& item : node) arr.push_back(YamlToJson(item, depth + 1));
    return arr;
  }
  if (!node.IsScalar()) return nullptr;
  const std::string s = node.Scalar();
  if (node.Tag() != "!") {  // plain (unquoted) scalar: numbers stay numbers
    int64_t i;
    double d;
    if (YAML::convert<int64_t>::decode(node, i)) return i;
    if (YAML::convert<double>::decode(node, d) && std::isfinite(d)) return d;
  }
  return s;
}

}  // namespace

Status ValidateDeploymentName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    return InvalidArgument("Invalid deployment 'name': use 1-64 letters, digits, '_', '.' or '-', "
                           "starting with a letter or digit");
  }
  return Status::Ok();
}

Result<DeploymentSpec> SpecFromJson(const Json& json, const std::string& name) {
  if (!json.is_object()) return InvalidArgument("a deployment must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key != "name" && key != "model" && key != "canary" && key != "shadow" &&
        key != "batching" && key != "payload_log") {
      return InvalidArgument("unknown field '" + key + "'");
    }
  }
  DeploymentSpec spec;
  if (!name.empty()) {
    spec.name = name;
  } else if (json.contains("name") && json["name"].is_string()) {
    spec.name = json["name"];
  }
  RETURN_IF_ERROR(ValidateDeploymentName(spec.name));
  ASSIGN_OR_RETURN(spec.model, RefField(json, "model", true));
  if (json.contains("canary") && !json["canary"].is_null()) {
    const Json& c = json["canary"];
    if (!c.is_object()) return InvalidArgument("'canary' must be an object");
    ASSIGN_OR_RETURN(spec.canary, RefField(c, "canary.model", true));
    if (!c.contains("percent") || !c["percent"].is_number() ||
        !(c["percent"].get<double>() > 0 && c["percent"].get<double>() < 100)) {
      return InvalidArgument("'canary.percent' must be a number between 0 and 100 (exclusive)");
    }
    spec.canary_percent = c["percent"];
  }
  if (json.contains("shadow") && !json["shadow"].is_null()) {
    if (!json["shadow"].is_object()) return InvalidArgument("'shadow' must be an object");
    ASSIGN_OR_RETURN(spec.shadow, RefField(json["shadow"], "shadow.model", true));
  }
  RETURN_IF_ERROR(ReadBatching(json, spec.batching));
  if (json.contains("payload_log") && !json["payload_log"].is_null()) {
    const Json& p = json["payload_log"];
    if (!p.is_object()) return InvalidArgument("'payload_log' must be an object");
    for (const auto& [key, value] : p.items()) {
      if (key != "sample_rate") return InvalidArgument("unknown field 'payload_log." + key + "'");
      if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1)) {
        return InvalidArgument("'payload_log.sample_rate' must be a number in [0, 1]");
      }
      spec.payload_sample_rate = value.get<double>();
    }
  }
  return spec;
}

Result<DeploymentSpec> SpecFromYaml(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("deployment file is not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) return InvalidArgument("deployment file must be a YAML mapping");
  try {
    return SpecFromJson(YamlToJson(root, 0));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("deployment file: ") + e.what());
  }
}

Json SpecToJson(const DeploymentSpec& spec) {
  Json j = {{"name", spec.name}, {"model", spec.model}};
  if (!spec.canary.empty()) j["canary"] = {{"model", spec.canary}, {"percent", spec.canary_percent}};
  if (!spec.shadow.empty()) j["shadow"] = {{"model", spec.shadow}};
  j["batching"] = {{"max_batch_size", spec.batching.max_batch_size},
                   {"max_queue_delay_us", spec.batching.max_queue_delay_us},
                   {"instances", spec.batching.instances},
                   {"max_queue", spec.batching.max_queue}};
  j["payload_log"] = {{"sample_rate", spec.payload_sample_rate}};
  return j;
}

Result<std::pair<std::string, double>> ParseCanaryFlag(const std::string& flag) {
  size_t colon = flag.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return InvalidArgument("--canary takes <model ref>:<percent>, e.g. fraud@challenger:10");
  }
  std::string ref = flag.substr(0, colon);
  char* end = nullptr;
  std::string number = flag.substr(colon + 1);
  double percent = std::strtod(number.c_str(), &end);
  bool digits = !number.empty() && (std::isdigit(static_cast<unsigned char>(number[0])) ||
                                    number[0] == '.');
  if (!digits || *end != '\0' || !(percent > 0 && percent < 100)) {
    return InvalidArgument("--canary percent must be a number between 0 and 100 (exclusive)");
  }
  return std::make_pair(ref, percent);
}

}  // namespace ferry::serving
