// `ferry monitor performance` and `ferry monitor alerts …` over /api/v1.
//   ferry monitor performance fraud-api [--from MS --to MS] [--task binary]
//   ferry monitor alerts apply rules.yaml     (all rules or none)
//   ferry monitor alerts list                 (every rule with its state)
//   ferry monitor alerts history [--rule R]
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/api_client.h"

namespace ferry::cli {
namespace {

struct PerformanceFlags {
  std::string deployment, task;
  int64_t from = 0, to = 0;
};

std::string Number(const Json& v) {
  if (!v.is_number()) return "-";
  std::ostringstream out;
  out << std::setprecision(4) << v.get<double>();
  return out.str();
}

void PrintPerformance(const Json& r) {
  std::cout << "unmatched labels: " << r.value("unmatched_labels", 0) << "\n";
  if (r["versions"].empty()) std::cout << "no labelled predictions in that time range\n";
  for (const Json& v : r["versions"]) {
    const Json& m = v["metrics"];
    std::cout << v.value("model", "") << " version " << v.value("version", 0) << " (" << m.value("task", "")
              << ", " << m.value("rows", 0) << " labelled rows, median label delay "
              << Number(v["label_delay"]["p50_s"]) << " s)\n";
    for (const char* k : {"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "ece", "mae", "rmse", "r2"}) {
      if (m.contains(k) && m[k].is_number()) std::cout << "  " << std::left << std::setw(10) << k << Number(m[k]) << "\n";
    }
  }
}

bool Performance(const ClientFlags& flags, const PerformanceFlags& f) {
  std::string q;
  auto add = [&](const std::string& k, const std::string& v) { q += (q.empty() ? "?" : "&") + k + "=" + Encode(v); };
  if (f.from) add("from", std::to_string(f.from));
  if (f.to) add("to", std::to_string(f.to));
  if (!f.task.empty()) add("task", f.task);
  auto r = Call(flags, "GET", "/api/v1/deployments/" + Encode(f.deployment) + "/performance" + q);
  if (!r) return false;
  if (flags.json) {
    std::cout << r->dump(2) << "\n";
  } else {
    PrintPerformance(*r);
  }
  return true;
}

bool Apply(const ClientFlags& flags, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot read '" << file << "'\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto reply = CallRaw(flags, "PUT", "/api/v1/alerts/rules", text.str(), "application/yaml");
  if (!reply) return false;
  Json r = Json::parse(*reply, nullptr, false);
  if (flags.json) {
    std::cout << r.dump(2) << "\n";
  } else {
    std::cout << r["rules"].size() << " alert rules applied\n";
  }
  return true;
}

bool List(const ClientFlags& flags) {
  auto r = Call(flags, "GET", "/api/v1/alerts");
  if (!r) return false;
  if (flags.json) {
    std::cout << r->dump(2) << "\n";
    return true;
  }
  for (const Json& a : (*r)["alerts"]) {
    std::cout << std::left << std::setw(24) << a["rule"].value("name", "") << std::setw(10) << a.value("state", "")
              << std::setw(12) << Number(a["value"]) << a["rule"].value("deployment", "") << ": "
              << a["rule"].value("expr", "");
    if (!a.value("error", "").empty()) std::cout << "  (error: " << a.value("error", "") << ")";
    std::cout << "\n";
  }
  return true;
}

bool History(const ClientFlags& flags, const std::string& rule) {
  auto r = Call(flags, "GET", "/api/v1/alerts/history" + (rule.empty() ? "" : "?rule=" + Encode(rule)));
  if (!r) return false;
  if (flags.json) {
    std::cout << r->dump(2) << "\n";
    return true;
  }
  for (const Json& e : (*r)["events"]) {
    std::cout << e.value("time", int64_t{0}) << "  " << std::left << std::setw(24) << e.value("rule", "")
              << std::setw(10) << e.value("kind", "") << Number(e["value"]) << "\n";
  }
  return true;
}

}  // namespace

void AddAlertCommands(CLI::App& monitor, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<PerformanceFlags>();
  CLI::App* perf = monitor.add_subcommand("performance", "A deployment's performance against ground-truth labels");
  perf->add_option("deployment", f->deployment, "Deployment name")->required();
  perf->add_option("--from", f->from, "Predictions from, ms since the epoch (default: 24 h before --to)");
  perf->add_option("--to", f->to, "Predictions until, ms since the epoch (default: now)");
  perf->add_option("--task", f->task, "binary, multiclass or regression (default: inferred)");
  perf->callback([flags, f, &rc] { rc = Performance(*flags, *f) ? 0 : 1; });

  auto file = std::make_shared<std::string>();
  auto rule = std::make_shared<std::string>();
  CLI::App* alerts = monitor.add_subcommand("alerts", "Alert rules on monitoring metrics");
  alerts->require_subcommand(1);
  CLI::App* apply = alerts->add_subcommand("apply", "Create or replace the rules of a YAML file (all or none)");
  apply->add_option("file", *file, "Rules file (rules: [...])")->required();
  apply->callback([flags, file, &rc] { rc = Apply(*flags, *file) ? 0 : 1; });
  alerts->add_subcommand("list", "Every rule with its state")->callback([flags, &rc] {
    rc = List(*flags) ? 0 : 1;
  });
  CLI::App* history = alerts->add_subcommand("history", "Alert transitions, newest first");
  history->add_option("--rule", *rule, "Only this rule");
  history->callback([flags, rule, &rc] { rc = History(*flags, *rule) ? 0 : 1; });
}

}  // namespace ferry::cli
