// Client subcommands: `ferry experiments …` and `ferry runs …` talk to a
// running server over Ferry's /api/v1 and print tables (or --json).
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "api/http_types.h"
#include "cli/api_client.h"
#include "cli/commands.h"

namespace ferry::cli {
namespace {

std::string Metric(const Json& run, const std::string& key) {
  for (const auto& m : run["data"].value("metrics", Json::array())) {
    if (m["key"] == key) return m["value"].dump();
  }
  return "";
}

void PrintRuns(const Json& runs, const std::vector<std::string>& metric_cols) {
  std::cout << std::left << std::setw(34) << "RUN ID" << std::setw(24) << "NAME"
            << std::setw(10) << "STATUS";
  for (const auto& m : metric_cols) std::cout << std::setw(14) << m;
  std::cout << "\n";
  for (const auto& r : runs) {
    const Json& info = r["info"];
    std::cout << std::setw(34) << info.value("run_id", "") << std::setw(24)
              << info.value("run_name", "") << std::setw(10) << info.value("status", "");
    for (const auto& m : metric_cols) std::cout << std::setw(14) << Metric(r, m);
    std::cout << "\n";
  }
}

void AddExperiments(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  CLI::App* exp = app.add_subcommand("experiments", "List, create and delete experiments.");
  exp->require_subcommand(1);
  CLI::App* list = exp->add_subcommand("list", "List active experiments.");
  list->callback([flags, &rc] {
    auto out = Call(*flags, "GET", "/api/v1/experiments");
    if (!out) return void(rc = 1);
    if (flags->json) return void(std::cout << out->dump(2) << "\n");
    std::cout << std::left << std::setw(8) << "ID" << "NAME\n";
    for (const auto& e : (*out)["experiments"]) {
      std::cout << std::setw(8) << e.value("experiment_id", "") << e.value("name", "") << "\n";
    }
  });
  auto name = std::make_shared<std::string>();
  CLI::App* create = exp->add_subcommand("create", "Create an experiment.");
  create->add_option("name", *name, "Experiment name")->required();
  create->callback([flags, name, &rc] {
    auto out = Call(*flags, "POST", "/api/v1/experiments", Json{{"name", *name}});
    if (!out) return void(rc = 1);
    std::cout << (*out)["experiment"].value("experiment_id", "") << "\n";
  });
  auto id = std::make_shared<std::string>();
  CLI::App* del = exp->add_subcommand("delete", "Delete an experiment (and its runs).");
  del->add_option("id", *id, "Experiment id")->required();
  del->callback([flags, id, &rc] {
    if (!Call(*flags, "DELETE", "/api/v1/experiments/" + Encode(*id))) rc = 1;
  });
}

void AddRuns(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  CLI::App* runs = app.add_subcommand("runs", "Search and inspect runs.");
  runs->require_subcommand(1);
  struct SearchFlags {
    std::vector<std::string> experiments;
    std::string filter;
    std::vector<std::string> order_by;
    int64_t max_results = 50;
    std::vector<std::string> metrics;
  };
  auto sf = std::make_shared<SearchFlags>();
  CLI::App* search = runs->add_subcommand("search", "Search runs with MLflow's filter grammar.");
  search->add_option("-e,--experiment", sf->experiments, "Experiment id(s)")->required();
  search->add_option("--filter", sf->filter, "e.g. \"metrics.rmse < 0.8 and params.model = 'gbm'\"");
  search->add_option("--order-by", sf->order_by, "e.g. \"metrics.rmse ASC\"");
  search->add_option("--max-results", sf->max_results, "Rows to show")->capture_default_str();
  search->add_option("--metric", sf->metrics, "Metric columns to show");
  search->callback([flags, sf, &rc] {
    Json body = {{"experiment_ids", sf->experiments}, {"filter", sf->filter},
                 {"order_by", sf->order_by}, {"max_results", sf->max_results}};
    auto out = Call(*flags, "POST", "/api/v1/runs/search", body);
    if (!out) return void(rc = 1);
    if (flags->json) return void(std::cout << out->dump(2) << "\n");
    PrintRuns((*out)["runs"], sf->metrics);
  });
  auto id = std::make_shared<std::string>();
  CLI::App* get = runs->add_subcommand("get", "Show one run as JSON.");
  get->add_option("run_id", *id, "Run id")->required();
  get->callback([flags, id, &rc] {
    auto out = Call(*flags, "GET", "/api/v1/runs/" + Encode(*id));
    if (!out) return void(rc = 1);
    std::cout << out->dump(2) << "\n";
  });
}

}  // namespace

void AddClientCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ClientFlags>();
  if (const char* env = std::getenv("FERRY_URL")) flags->url = env;
  if (const char* env = std::getenv("USER")) flags->user = env;
  app.add_option("--url", flags->url, "Server URL for client commands (env FERRY_URL)")
      ->capture_default_str();
  app.add_flag("--json", flags->json, "Print raw JSON");
  app.add_option("--user", flags->user, "Who is acting, recorded in the registry's audit trail "
                 "(default $USER)");
  AddExperiments(app, flags, exit_code);
  AddRuns(app, flags, exit_code);
  AddModelCommands(app, flags, exit_code);
  AddWebhookCommands(app, flags, exit_code);
  AddDeployCommands(app, flags, exit_code);
  AddPredictCommand(app, flags, exit_code);
  AddMonitorCommands(app, flags, exit_code);
  AddPipelineRemoteCommands(*app.get_subcommand("pipeline"), flags, exit_code);
  AddDatasetCommands(app, flags, exit_code);
}

}  // namespace ferry::cli
