// Deployment specs: JSON and YAML parsing with errors that name the field,
// the JSON round trip, names, and the CLI's --canary form.
#include "serving/deployment_spec.h"

#include <gtest/gtest.h>

#include <string>

namespace ferry::serving {
namespace {

using Json = nlohmann::json;

Json FullSpec() {
  return Json::parse(R"({
    "name": "fraud-api",
    "model": "fraud@champion",
    "canary": {"model": "fraud@challenger", "percent": 12.5},
    "shadow": {"model": "fraud/9"},
    "batching": {"max_batch_size": 32, "max_queue_delay_us": 750, "instances": 3,
                 "max_queue": 200},
    "payload_log": {"sample_rate": 0.25}
  })");
}

void ExpectSameSpec(const DeploymentSpec& a, const DeploymentSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.canary, b.canary);
  EXPECT_EQ(a.canary_percent, b.canary_percent);
  EXPECT_EQ(a.shadow, b.shadow);
  EXPECT_EQ(a.batching.max_batch_size, b.batching.max_batch_size);
  EXPECT_EQ(a.batching.max_queue_delay_us, b.batching.max_queue_delay_us);
  EXPECT_EQ(a.batching.instances, b.batching.instances);
  EXPECT_EQ(a.batching.max_queue, b.batching.max_queue);
  EXPECT_EQ(a.payload_sample_rate, b.payload_sample_rate);
}

// Expects `json` to be refused with kInvalidArgument naming `field`.
void ExpectError(const Json& json, const std::string& field) {
  auto spec = SpecFromJson(json);
  ASSERT_FALSE(spec.ok()) << json.dump();
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << json.dump();
  EXPECT_NE(spec.status().message().find(field), std::string::npos)
      << json.dump() << " -> " << spec.status().message();
}

TEST(SpecFromJsonTest, FullSpec) {
  auto spec = SpecFromJson(FullSpec());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "fraud-api");
  EXPECT_EQ(spec->model, "fraud@champion");
  EXPECT_EQ(spec->canary, "fraud@challenger");
  EXPECT_EQ(spec->canary_percent, 12.5);
  EXPECT_EQ(spec->shadow, "fraud/9");
  EXPECT_EQ(spec->batching.max_batch_size, 32);
  EXPECT_EQ(spec->batching.max_queue_delay_us, 750);
  EXPECT_EQ(spec->batching.instances, 3);
  EXPECT_EQ(spec->batching.max_queue, 200);
  EXPECT_EQ(spec->payload_sample_rate, 0.25);
}

TEST(SpecFromJsonTest, RoundTripsThroughSpecToJson) {
  auto spec = SpecFromJson(FullSpec());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Json json = SpecToJson(*spec);
  EXPECT_EQ(json, FullSpec());
  auto again = SpecFromJson(json);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json.dump();
  ExpectSameSpec(*again, *spec);
}

TEST(SpecFromJsonTest, MinimalSpecGetsDefaultsAndRoundTrips) {
  auto spec = SpecFromJson(Json{{"name", "d1"}, {"model", "m/1"}});
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->canary.empty());
  EXPECT_EQ(spec->canary_percent, 0);
  EXPECT_TRUE(spec->shadow.empty());
  BatchOptions defaults;
  EXPECT_EQ(spec->batching.max_batch_size, defaults.max_batch_size);
  EXPECT_EQ(spec->batching.max_queue_delay_us, defaults.max_queue_delay_us);
  EXPECT_EQ(spec->batching.instances, defaults.instances);
  EXPECT_EQ(spec->batching.max_queue, defaults.max_queue);
  EXPECT_EQ(spec->payload_sample_rate, 1.0);  // log every request by default
  Json json = SpecToJson(*spec);
  EXPECT_FALSE(json.contains("canary"));
  EXPECT_FALSE(json.contains("shadow"));
  auto again = SpecFromJson(json);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectSameSpec(*again, *spec);
}

TEST(SpecFromJsonTest, NameFromTheUrlWins) {
  auto spec = SpecFromJson(FullSpec(), "from-url");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "from-url");
  Json no_name = FullSpec();
  no_name.erase("name");
  auto named = SpecFromJson(no_name, "only-url");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->name, "only-url");
  EXPECT_FALSE(SpecFromJson(no_name).ok());  // no name anywhere
  EXPECT_FALSE(SpecFromJson(FullSpec(), "-bad").ok());
}

TEST(SpecFromJsonTest, NullsMeanAbsent) {
  Json json = FullSpec();
  json["canary"] = nullptr;
  json["shadow"] = nullptr;
  json["batching"] = nullptr;
  json["payload_log"] = nullptr;
  auto spec = SpecFromJson(json);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->canary.empty());
  EXPECT_TRUE(spec->shadow.empty());
  EXPECT_EQ(spec->batching.max_batch_size, BatchOptions{}.max_batch_size);
  EXPECT_EQ(spec->payload_sample_rate, 1.0);
}

TEST(SpecFromJsonTest, MissingOrBadModel) {
  Json json = FullSpec();
  json.erase("model");
  ExpectError(json, "model");
  json["model"] = "";
  ExpectError(json, "model");
  json["model"] = 7;
  ExpectError(json, "model");
  json["model"] = std::string(513, 'm');
  ExpectError(json, "model");
  json = FullSpec();
  json["canary"].erase("model");
  ExpectError(json, "canary.model");
  json = FullSpec();
  json["shadow"] = Json::object();
  ExpectError(json, "shadow.model");
  json = FullSpec();
  json["shadow"] = "fraud/9";
  ExpectError(json, "shadow");
  json = FullSpec();
  json["canary"] = "fraud@challenger";
  ExpectError(json, "canary");
}

TEST(SpecFromJsonTest, CanaryPercentOutOfRange) {
  for (const Json& percent : {Json(0), Json(100), Json("x"), Json(-1), Json(100.5),
                              Json(nullptr), Json("10")}) {
    Json json = FullSpec();
    json["canary"]["percent"] = percent;
    ExpectError(json, "canary.percent");
  }
  Json missing = FullSpec();
  missing["canary"].erase("percent");
  ExpectError(missing, "canary.percent");
  Json edge = FullSpec();
  edge["canary"]["percent"] = 0.01;
  EXPECT_TRUE(SpecFromJson(edge).ok());
  edge["canary"]["percent"] = 99.99;
  EXPECT_TRUE(SpecFromJson(edge).ok());
}

TEST(SpecFromJsonTest, UnknownFields) {
  Json json = FullSpec();
  json["replicas"] = 3;
  ExpectError(json, "replicas");
  json = FullSpec();
  json["batching"]["max_batch"] = 3;
  ExpectError(json, "batching.max_batch");
  ExpectError(Json::array({1, 2}), "object");
}

TEST(SpecFromJsonTest, BatchingLimits) {
  const std::pair<const char*, Json> bad[] = {
      {"max_batch_size", 0},      {"max_batch_size", 65537},
      {"max_batch_size", "8"},    {"max_batch_size", 1.5},
      {"max_queue_delay_us", -1}, {"max_queue_delay_us", 1000001},
      {"instances", 0},           {"instances", 65},
      {"max_queue", 0},           {"max_batch_size", 18446744073709551615ull},
  };
  for (const auto& [key, value] : bad) {
    Json json = FullSpec();
    json["batching"][key] = value;
    ExpectError(json, std::string("batching.") + key);
  }
  Json not_object = FullSpec();
  not_object["batching"] = 5;
  ExpectError(not_object, "batching");
  Json edges = FullSpec();
  edges["batching"] = {{"max_batch_size", 1},
                       {"max_queue_delay_us", 0},
                       {"instances", 64},
                       {"max_queue", 1}};
  auto spec = SpecFromJson(edges);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->batching.max_batch_size, 1);
  EXPECT_EQ(spec->batching.instances, 64);
}

TEST(SpecFromJsonTest, PayloadLogSampleRate) {
  for (const Json& rate :
       {Json(-0.1), Json(1.5), Json("0.5"), Json(true), Json(nullptr)}) {
    Json json = FullSpec();
    json["payload_log"]["sample_rate"] = rate;
    ExpectError(json, "payload_log.sample_rate");
  }
  Json unknown = FullSpec();
  unknown["payload_log"]["path"] = "/tmp/x";
  ExpectError(unknown, "payload_log.path");
  Json not_object = FullSpec();
  not_object["payload_log"] = 0.5;
  ExpectError(not_object, "payload_log");
  for (double rate : {0.0, 1.0}) {
    Json json = FullSpec();
    json["payload_log"]["sample_rate"] = rate;
    auto spec = SpecFromJson(json);
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    EXPECT_EQ(spec->payload_sample_rate, rate);
    EXPECT_EQ(SpecToJson(*spec)["payload_log"]["sample_rate"], rate);
  }
}

TEST(DeploymentNameTest, ValidAndInvalidNames) {
  for (const std::string& good :
       {std::string("a"), std::string("fraud-api"), std::string("7up"),
        std::string("a.b_c-d"), std::string(64, 'x')}) {
    EXPECT_TRUE(ValidateDeploymentName(good).ok()) << good;
    Json json = FullSpec();
    json["name"] = good;
    EXPECT_TRUE(SpecFromJson(json).ok()) << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("-a"), std::string(".a"), std::string("_a"),
        std::string(65, 'x'), std::string("a/b"), std::string("a b"),
        std::string("caf\xc3\xa9"), std::string("a\0b", 3)}) {
    EXPECT_EQ(ValidateDeploymentName(bad).code(), StatusCode::kInvalidArgument) << bad;
    Json json = FullSpec();
    json["name"] = bad;
    ExpectError(json, "name");
  }
  Json numeric = FullSpec();
  numeric["name"] = 5;
  ExpectError(numeric, "name");
}

TEST(SpecFromYamlTest, EquivalentToJson) {
  auto spec = SpecFromYaml(R"(
name: fraud-api
model: fraud@champion
canary:
  model: fraud@challenger
  percent: 12.5
shadow:
  model: "fraud/9"
batching:
  max_batch_size: 32
  max_queue_delay_us: 750
  instances: 3
  max_queue: 200
payload_log:
  sample_rate: 0.25
)");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto from_json = SpecFromJson(FullSpec());
  ASSERT_TRUE(from_json.ok());
  ExpectSameSpec(*spec, *from_json);
}

TEST(SpecFromYamlTest, IntegerPercentAndFlowStyle) {
  auto spec = SpecFromYaml(
      "{name: d, model: m@a, canary: {model: m@b, percent: 10}, batching: {instances: "
      "2}}");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->canary_percent, 10);
  EXPECT_EQ(spec->batching.instances, 2);
}

TEST(SpecFromYamlTest, QuotedNumbersStayStrings) {
  // A quoted "8" is a string, so it is not an integer.
  auto spec = SpecFromYaml("name: d\nmodel: m@a\nbatching:\n  max_batch_size: \"8\"\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("batching.max_batch_size"), std::string::npos);
}

TEST(SpecFromYamlTest, ErrorsNameTheField) {
  auto spec =
      SpecFromYaml("name: d\nmodel: m@a\ncanary:\n  model: m@b\n  percent: 100\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("canary.percent"), std::string::npos);
  auto unknown = SpecFromYaml("name: d\nmodel: m@a\nreplicas: 2\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("replicas"), std::string::npos);
}

TEST(SpecFromYamlTest, InvalidYaml) {
  for (const char* text : {"name: [unclosed", "name: d\n  model: : :\n\t- x",
                           "- a\n- b\n", "just text", "", "{a: 1, a: 2, [x]: 3}"}) {
    auto spec = SpecFromYaml(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(SpecFromYamlTest, DeepNestingIsRefusedWithoutOverflowingTheStack) {
  std::string deep = "name: d\nmodel: m@a\nbatching: ";
  for (int i = 0; i < 5000; ++i) deep += "[";
  for (int i = 0; i < 5000; ++i) deep += "]";
  auto spec = SpecFromYaml(deep);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseCanaryFlagTest, Valid) {
  auto parsed = ParseCanaryFlag("fraud@challenger:10");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->first, "fraud@challenger");
  EXPECT_EQ(parsed->second, 10);
  auto fractional = ParseCanaryFlag("fraud/7:0.5");
  ASSERT_TRUE(fractional.ok());
  EXPECT_EQ(fractional->first, "fraud/7");
  EXPECT_EQ(fractional->second, 0.5);
}

TEST(ParseCanaryFlagTest, BadForms) {
  for (const char* flag :
       {"fraud@challenger", ":10", "fraud:", "fraud:x", "fraud:10x", "fraud:0",
        "fraud:100", "fraud:-5", "fraud:nan", "fraud:inf", ""}) {
    auto parsed = ParseCanaryFlag(flag);
    ASSERT_FALSE(parsed.ok()) << flag;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << flag;
    EXPECT_NE(parsed.status().message().find("--canary"), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace ferry::serving
