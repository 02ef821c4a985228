// `ferry deploy …`: serving deployments over /api/v1/deployments.
//   ferry deploy create fraud --model fraud@champion --canary fraud@challenger:10 --shadow fraud/7
//   ferry deploy apply -f fraud.yaml        (create or replace, for GitOps)
//   ferry deploy list | get NAME | delete NAME
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"
#include "serving/deployment_spec.h"

namespace ferry::cli {
namespace {

struct DeployFlags {
  std::string name, model, canary, shadow, file;
  int max_batch_size = 0, max_queue_delay_us = -1, instances = 0, max_queue = 0;
  double sample_rate = -1;
};

void PrintDeployments(const Json& list) {
  std::cout << std::left << std::setw(24) << "NAME" << std::setw(12) << "ARM" << std::setw(28)
            << "REFERENCE" << std::setw(9) << "VERSION" << std::setw(7) << "READY"
            << std::setw(10) << "REQUESTS" << "ERROR\n";
  for (const auto& d : list) {
    for (const auto& a : d.value("arms", Json::array())) {
      std::string role = a.value("role", "");
      if (role == "canary" && d.contains("canary")) {
        std::ostringstream percent;
        percent << d["canary"].value("percent", 0.0);
        role += " " + percent.str() + "%";
      }
      std::cout << std::setw(24) << d.value("name", "") << std::setw(12) << role << std::setw(28)
                << a.value("ref", "") << std::setw(9) << a.value("version", "-") << std::setw(7)
                << (a.value("ready", false) ? "yes" : "NO") << std::setw(10)
                << a.value("requests", 0) << a.value("error", "") << "\n";
    }
  }
}

bool Show(const ClientFlags& flags, const std::optional<Json>& out) {
  if (!out) return false;
  if (flags.json) {
    std::cout << out->dump(2) << "\n";
  } else {
    PrintDeployments(Json::array({(*out)["deployment"]}));
  }
  return true;
}

// The spec from the flags, as the API's JSON.
Json SpecJson(const DeployFlags& f) {
  Json spec = {{"name", f.name}, {"model", f.model}};
  if (!f.shadow.empty()) spec["shadow"] = {{"model", f.shadow}};
  Json batching = Json::object();
  if (f.max_batch_size > 0) batching["max_batch_size"] = f.max_batch_size;
  if (f.max_queue_delay_us >= 0) batching["max_queue_delay_us"] = f.max_queue_delay_us;
  if (f.instances > 0) batching["instances"] = f.instances;
  if (f.max_queue > 0) batching["max_queue"] = f.max_queue;
  if (!batching.empty()) spec["batching"] = batching;
  if (f.sample_rate >= 0) spec["payload_log"] = {{"sample_rate", f.sample_rate}};
  return spec;
}

bool Create(const ClientFlags& flags, const DeployFlags& f) {
  Json spec = SpecJson(f);
  if (!f.canary.empty()) {
    auto canary = serving::ParseCanaryFlag(f.canary);
    if (!canary.ok()) {
      std::cerr << "error: " << canary.status().message() << "\n";
      return false;
    }
    spec["canary"] = {{"model", canary->first}, {"percent", canary->second}};
  }
  return Show(flags, Call(flags, "POST", "/api/v1/deployments", spec));
}

bool Apply(const ClientFlags& flags, const DeployFlags& f) {
  std::ifstream in(f.file);
  if (!in) {
    std::cerr << "error: cannot read " << f.file << "\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto spec = serving::SpecFromYaml(text.str());  // YAML is a superset of JSON
  if (!spec.ok()) {
    std::cerr << "error: " << f.file << ": " << spec.status().message() << "\n";
    return false;
  }
  return Show(flags, Call(flags, "PUT", "/api/v1/deployments/" + Encode(spec->name),
                          serving::SpecToJson(*spec)));
}

}  // namespace

void AddDeployCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<DeployFlags>();
  CLI::App* deploy = app.add_subcommand("deploy", "Serving deployments: a model reference, "
                                        "canary and shadow traffic, batching");
  deploy->require_subcommand(1);

  CLI::App* create = deploy->add_subcommand("create", "Create a deployment");
  create->add_option("name", f->name, "Deployment name (the endpoint)")->required();
  create->add_option("--model", f->model, "Primary model, e.g. fraud@champion or fraud/3")
      ->required();
  create->add_option("--canary", f->canary, "Canary model and percent, e.g. fraud@challenger:10");
  create->add_option("--shadow", f->shadow, "Shadow model: sees every request, never answers");
  create->add_option("--max-batch-size", f->max_batch_size, "Rows per batch (default 64)");
  create->add_option("--max-queue-delay-us", f->max_queue_delay_us,
                     "Longest wait for a fuller batch, µs (default 0)");
  create->add_option("--instances", f->instances, "Parallel model instances (default 1)");
  create->add_option("--max-queue", f->max_queue, "Waiting requests before 429 (default 1024)");
  create->add_option("--sample-rate", f->sample_rate, "Share of requests payload-logged (0..1)");
  create->callback([flags, f, &rc] {
    if (!Create(*flags, *f)) rc = 1;
  });

  CLI::App* apply = deploy->add_subcommand("apply", "Create or replace a deployment from a YAML file");
  apply->add_option("-f,--file", f->file, "Deployment file (YAML or JSON)")->required();
  apply->callback([flags, f, &rc] {
    if (!Apply(*flags, *f)) rc = 1;
  });

  deploy->add_subcommand("list", "List deployments and their arms")->callback([flags, &rc] {
    auto out = Call(*flags, "GET", "/api/v1/deployments");
    if (!out) return void(rc = 1);
    if (flags->json) return void(std::cout << out->dump(2) << "\n");
    PrintDeployments((*out)["deployments"]);
  });

  CLI::App* get = deploy->add_subcommand("get", "Show a deployment");
  get->add_option("name", f->name)->required();
  get->callback([flags, f, &rc] {
    if (!Show(*flags, Call(*flags, "GET", "/api/v1/deployments/" + Encode(f->name)))) rc = 1;
  });

  CLI::App* del = deploy->add_subcommand("delete", "Delete a deployment");
  del->add_option("name", f->name)->required();
  del->callback([flags, f, &rc] {
    if (!Call(*flags, "DELETE", "/api/v1/deployments/" + Encode(f->name))) rc = 1;
  });
}

}  // namespace ferry::cli
