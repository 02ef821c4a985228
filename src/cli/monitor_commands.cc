// `ferry monitor …`: monitoring over /api/v1.
//   ferry monitor reference fraud@champion --data train.csv   (or fraud/7, fraud@7)
//   ferry monitor ingest                                      (read the payload log now)
//   ferry monitor report fraud-api [--from MS --to MS] [-o report.html] [--json]
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"

namespace ferry::cli {
namespace {

struct MonitorFlags {
  std::string ref, data, deployment, output, test;
  int64_t from = 0, to = 0;
  int64_t version = 0;
};

// "name@alias", "name@7" or "name/7" into the path of its reference.
std::optional<std::string> ReferencePath(const std::string& ref) {
  size_t at = ref.find_last_of("@/");
  if (at == std::string::npos || at == 0 || at + 1 == ref.size()) return std::nullopt;
  return "/api/v1/models/" + Encode(ref.substr(0, at)) + "/versions/" + Encode(ref.substr(at + 1)) + "/reference";
}

std::string Query(const MonitorFlags& f) {
  std::string q;
  auto add = [&](const std::string& k, const std::string& v) { q += (q.empty() ? "?" : "&") + k + "=" + Encode(v); };
  if (f.from) add("from", std::to_string(f.from));
  if (f.to) add("to", std::to_string(f.to));
  if (f.version) add("version", std::to_string(f.version));
  if (!f.test.empty()) add("test", f.test);
  return q;
}

void PrintReport(const Json& r) {
  std::cout << "deployment drift for " << r.value("model", "") << " version " << r.value("version", 0) << ": "
            << r.value("drifted_columns", 0) << " of " << r.value("tested_columns", 0) << " columns drifted ("
            << (r.value("dataset_drift", false) ? "DATASET DRIFT" : "no dataset drift") << ")\n";
  for (const Json& c : r.value("columns", Json::array())) {
    std::cout << "  " << std::left << std::setw(24) << c.value("column", "");
    if (!c.value("tested", false)) {
      std::cout << "not tested: " << c.value("reason", "") << "\n";
      continue;
    }
    std::cout << std::setw(16) << c.value("test", "") << std::setw(14) << c.value("score", 0.0)
              << (c.value("drifted", false) ? "DRIFT" : "-") << "\n";
  }
}

bool Reference(const ClientFlags& flags, const MonitorFlags& f) {
  std::optional<std::string> path = ReferencePath(f.ref);
  if (!path) {
    std::cerr << "error: give the model version as NAME@ALIAS, NAME@VERSION or NAME/VERSION\n";
    return false;
  }
  std::ifstream in(f.data, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read '" << f.data << "'\n";
    return false;
  }
  std::stringstream csv;
  csv << in.rdbuf();
  std::optional<std::string> reply = CallRaw(flags, "PUT", *path, csv.str(), "text/csv");
  if (!reply) return false;
  Json r = Json::parse(*reply, nullptr, false)["reference"];
  if (flags.json) {
    std::cout << r.dump(2) << "\n";
  } else {
    std::cout << "reference for " << r.value("model", "") << " version " << r.value("version", 0) << ": "
              << r.value("rows", 0) << " rows, " << r["profile"]["columns"].size() << " columns\n";
  }
  return true;
}

bool Report(const ClientFlags& flags, const MonitorFlags& f) {
  std::string target = "/api/v1/deployments/" + Encode(f.deployment) + "/drift" + Query(f);
  bool html = !f.output.empty() && f.output.ends_with(".html");
  if (html) target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("format=html");
  std::optional<std::string> reply = CallRaw(flags, "GET", target, "", "");
  if (!reply) return false;
  if (!f.output.empty()) {
    std::ofstream out(f.output, std::ios::binary);
    out << *reply;
    if (!out) {
      std::cerr << "error: cannot write '" << f.output << "'\n";
      return false;
    }
    std::cerr << "wrote " << f.output << "\n";
    if (html) return true;
  }
  Json r = Json::parse(*reply, nullptr, false);
  if (flags.json) {
    std::cout << r.dump(2) << "\n";
  } else {
    PrintReport(r);
  }
  return true;
}

}  // namespace

void AddMonitorCommands(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<MonitorFlags>();
  CLI::App* monitor =
      app.add_subcommand("monitor", "Monitoring: reference data, drift reports, performance, alerts");
  monitor->require_subcommand(1);
  CLI::App* ref = monitor->add_subcommand("reference", "Upload a model version's reference data (CSV)");
  ref->add_option("model", f->ref, "NAME@ALIAS, NAME@VERSION or NAME/VERSION")->required();
  ref->add_option("--data", f->data, "CSV with a header row: training or validation data")->required();
  ref->callback([flags, f, &rc] { rc = Reference(*flags, *f) ? 0 : 1; });
  CLI::App* ingest = monitor->add_subcommand("ingest", "Read the payload log into monitoring windows now");
  ingest->callback([flags, &rc] {
    auto out = Call(*flags, "POST", "/api/v1/monitoring/ingest");
    if (out) std::cout << out->dump(flags->json ? 2 : -1) << "\n";
    rc = out ? 0 : 1;
  });
  CLI::App* report = monitor->add_subcommand("report", "A deployment's drift against its reference");
  report->add_option("deployment", f->deployment, "Deployment name")->required();
  report->add_option("--from", f->from, "Start, ms since the epoch (default: 24 h before --to)");
  report->add_option("--to", f->to, "End, ms since the epoch (default: now)");
  report->add_option("--version", f->version, "Model version (default: the one with most traffic)");
  report->add_option("--test", f->test, "Drift test for every column (default: Evidently's choice)");
  report->add_option("-o,--output", f->output, "Write the report here (.html: the HTML report)");
  report->callback([flags, f, &rc] { rc = Report(*flags, *f) ? 0 : 1; });
  AddAlertCommands(*monitor, flags, rc);
}

}  // namespace ferry::cli
