// `ferry check`: a CSV against an expectation suite (monitoring/quality.h),
// offline. Prints failing checks (all with --verbose), or the JSON report;
// exits 3 when a check fails.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "monitoring/csv_reader.h"
#include "monitoring/quality.h"

namespace ferry::cli {

namespace {

struct CheckFlags {
  std::string data, suite;
  bool json = false, verbose = false;
};

void Print(const monitoring::QualityReport& report, bool verbose) {
  for (const auto& r : report.results) {
    if (r.passed && !verbose) continue;
    std::cout << (r.passed ? "ok    " : "FAIL  ") << r.column << ": " << r.check;
    if (r.checked > 1 || r.failing > 1) std::cout << " (" << r.failing << " of " << r.checked << " failing)";
    if (!r.message.empty()) std::cout << " — " << r.message;
    if (!r.examples.empty()) {
      std::cout << " e.g.";
      for (const auto& e : r.examples) std::cout << " '" << e << "'";
    }
    std::cout << "\n";
  }
  std::cout << report.results.size() - report.failed << " of " << report.results.size() << " checks passed\n";
}

Status RunCheck(const CheckFlags& f, int* rc) {
  std::ifstream in(f.suite);
  if (!in) return InvalidArgument("cannot read '" + f.suite + "'");
  std::stringstream yaml;
  yaml << in.rdbuf();
  ASSIGN_OR_RETURN(monitoring::ExpectationSuite suite, monitoring::ParseSuite(yaml.str()));
  ASSIGN_OR_RETURN(monitoring::Table table, monitoring::ReadCsvFile(f.data));
  monitoring::QualityReport report = monitoring::CheckQuality(table, suite);
  if (f.json) {
    std::cout << monitoring::QualityReportToJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    Print(report, f.verbose);
  }
  if (!report.passed()) *rc = 3;
  return Status::Ok();
}

}  // namespace

void AddCheckCommand(CLI::App& app, int& rc) {
  auto f = std::make_shared<CheckFlags>();
  CLI::App* cmd = app.add_subcommand("check", "Check a CSV against an expectation suite (data quality, offline)");
  cmd->add_option("--data", f->data, "CSV with a header row")->required();
  cmd->add_option("--suite", f->suite, "Expectation suite (YAML; see docs/monitoring.md)")->required();
  cmd->add_flag("--json", f->json, "Print the report as JSON");
  cmd->add_flag("--verbose", f->verbose, "Also list the checks that passed");
  cmd->callback([f, &rc] {
    Status st = RunCheck(*f, &rc);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      rc = 2;
    }
  });
}

}  // namespace ferry::cli
