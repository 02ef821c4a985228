// A deployment: a named endpoint with a traffic policy over registry
// references — a primary, an optional canary that takes `canary_percent` of
// requests, an optional shadow that sees a copy of every request after the
// primary answered — and the batching options of its runners.
//
// Specs come from the API (JSON), from a YAML file (GitOps), or from the
// CLI's "--canary fraud@challenger:10" form, and are stored as JSON.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "serving/batcher.h"

namespace ferry::serving {

struct DeploymentSpec {
  std::string name;
  std::string model;  // primary: "fraud@champion", "fraud/7"
  std::string canary;
  double canary_percent = 0;  // 0..100
  std::string shadow;
  BatchOptions batching;
  double payload_sample_rate = 1.0;  // share of requests logged, 0..1
};

// Names: 1–64 of [A-Za-z0-9_.-], starting with a letter or digit.
Status ValidateDeploymentName(std::string_view name);
// From {"name", "model", "canary": {"model", "percent"}, "shadow": {"model"},
// "batching": {...}, "payload_log": {"sample_rate"}}; errors name the field. `name` (from the URL) wins
// over a name in the body when set.
Result<DeploymentSpec> SpecFromJson(const nlohmann::json& json, const std::string& name = "");
// The same document as YAML.
Result<DeploymentSpec> SpecFromYaml(const std::string& text);
nlohmann::json SpecToJson(const DeploymentSpec& spec);
// "fraud@challenger:10" → ("fraud@challenger", 10).
Result<std::pair<std::string, double>> ParseCanaryFlag(const std::string& flag);

}  // namespace ferry::serving
