// `ferry drift`: data drift between two CSV files, offline (no server), for
// notebooks and CI jobs. Prints a table, or the JSON report with --json;
// --html writes a standalone report; --fail-on-drift exits 3 on dataset drift.
#include <fstream>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "monitoring/csv_reader.h"
#include "monitoring/drift.h"
#include "monitoring/report_html.h"

namespace ferry::cli {

namespace {

using monitoring::DriftReport;

struct DriftFlags {
  std::string reference, current, html;
  std::vector<std::string> column_tests, column_thresholds;
  std::optional<double> threshold;
  bool json = false, fail_on_drift = false;
  monitoring::DriftOptions options;
};

// "name=value" pairs into a map; InvalidArgument naming the bad pair.
template <typename T, typename Convert>
Status ParsePairs(const std::vector<std::string>& pairs, const char* flag, Convert convert,
                  std::map<std::string, T>* out) {
  for (const std::string& p : pairs) {
    size_t eq = p.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      return InvalidArgument(std::string(flag) + ": expected COLUMN=VALUE, got '" + p + "'");
    }
    std::optional<T> value = convert(p.substr(eq + 1));
    if (!value) return InvalidArgument(std::string(flag) + ": bad value in '" + p + "'");
    (*out)[p.substr(0, eq)] = *value;
  }
  return Status::Ok();
}

std::optional<double> ToDouble(const std::string& s) {
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    return used == s.size() ? std::optional<double>(v) : std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
}

void PrintTable(const DriftReport& r) {
  std::cout << std::left << std::setw(24) << "column" << std::setw(13) << "kind" << std::setw(18) << "test"
            << std::setw(14) << "score" << std::setw(11) << "threshold" << "drift\n";
  for (const auto& c : r.columns) {
    std::cout << std::setw(24) << c.column << std::setw(13) << monitoring::ColumnKindName(c.kind);
    if (!c.tested) {
      std::cout << "not tested: " << c.reason << "\n";
      continue;
    }
    std::cout << std::setw(18) << c.test << std::setw(14) << std::setprecision(6) << c.score << std::setw(11)
              << c.threshold << (c.drifted ? "DRIFT" : "-") << "\n";
  }
  for (const auto& f : r.findings) std::cout << "finding: " << f.column << ": " << f.message << "\n";
  std::cout << r.drifted << " of " << r.tested << " columns drifted (share " << r.share << ", threshold "
            << r.drift_share << "): " << (r.dataset_drift ? "DATASET DRIFT" : "no dataset drift") << "\n";
}

Status RunDrift(DriftFlags& f, int* rc) {
  RETURN_IF_ERROR(ParsePairs<std::string>(f.column_tests, "--column-test",
                                          [](const std::string& s) { return std::optional(s); },
                                          &f.options.column_tests));
  RETURN_IF_ERROR(ParsePairs<double>(f.column_thresholds, "--column-threshold", ToDouble,
                                     &f.options.column_thresholds));
  f.options.threshold = f.threshold;
  ASSIGN_OR_RETURN(monitoring::Table reference, monitoring::ReadCsvFile(f.reference));
  ASSIGN_OR_RETURN(monitoring::Table current,
                   monitoring::ReadCsvFile(f.current, {.schema = &reference, .threads = f.options.threads}));
  ASSIGN_OR_RETURN(DriftReport report, monitoring::ComputeDrift(reference, current, f.options));
  if (!f.html.empty()) {
    std::ofstream out(f.html);
    out << monitoring::DriftReportHtml(report, "Data drift: " + f.current + " vs " + f.reference);
    if (!out) return InvalidArgument("cannot write '" + f.html + "'");
  }
  if (f.json) {
    std::cout << monitoring::DriftReportToJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    PrintTable(report);
  }
  if (f.fail_on_drift && report.dataset_drift) *rc = 3;
  return Status::Ok();
}

}  // namespace

void AddDriftCommand(CLI::App& app, int& rc) {
  auto f = std::make_shared<DriftFlags>();
  CLI::App* cmd = app.add_subcommand("drift", "Data drift between a reference CSV and a current CSV (offline)");
  cmd->add_option("--reference", f->reference, "Reference CSV (training or validation data)")->required();
  cmd->add_option("--current", f->current, "Current CSV (production data)")->required();
  cmd->add_option("--test", f->options.test, "Drift test for every column (default: Evidently's choice)");
  cmd->add_option("--num-test", f->options.numerical_test, "Drift test for numerical columns");
  cmd->add_option("--cat-test", f->options.categorical_test, "Drift test for categorical columns");
  cmd->add_option("--column-test", f->column_tests, "COLUMN=TEST, repeatable");
  cmd->add_option("--threshold", f->threshold, "Threshold for every column (default: the test's)");
  cmd->add_option("--column-threshold", f->column_thresholds, "COLUMN=THRESHOLD, repeatable");
  cmd->add_option("--columns", f->options.columns, "Only these columns")->delimiter(',');
  cmd->add_option("--drift-share", f->options.drift_share, "Dataset drift when this share of columns drifts")
      ->capture_default_str();
  cmd->add_option("--threads", f->options.threads, "Threads (default: all cores)");
  cmd->add_flag("--json", f->json, "Print the report as JSON");
  cmd->add_option("--html", f->html, "Also write a standalone HTML report to this file");
  cmd->add_flag("--fail-on-drift", f->fail_on_drift, "Exit with status 3 when the dataset drifted");
  cmd->callback([f, &rc] {
    Status st = RunDrift(*f, &rc);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      rc = 2;
    }
  });
}

}  // namespace ferry::cli
