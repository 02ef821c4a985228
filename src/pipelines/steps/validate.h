// The `validate` built-in step: a CSV checked against a data-quality
// expectation suite with monitoring's engine (monitoring/quality.h has the
// suite format), the same checks as `ferry check`.
//
//   uses: validate
//   with:
//     data: data/train.csv
//     expectations:                 # the suite inline: a mapping, or its
//       columns:                    #   YAML/JSON text
//         amount: {not_null: true, min: 0}
//     suite: checks/train.yaml      # ... or a suite file (one of the two)
//     output: .                     # folder for report.json (default ".")
//
// The CSV is read whole by monitoring's reader (csv_reader.h), so files
// over 1 GiB are refused; suite files over 1 MiB too. Writes report.json
// (QualityReportToJson: passed, failed_checks, results). A failing check is
// not an error: the result says so, and the step fails the run.
//
// Thread-safe (pure, apart from reading and writing its own files).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "monitoring/quality.h"

namespace ferry::pipelines::steps {

struct ValidateOptions {
  std::string data;
  std::string suite_text;  // the suite inline (YAML or JSON), or
  std::string suite_path;  // a suite file; exactly one of the two
  std::string output = ".";
};

// InvalidArgument names the field as `with.<field>`; an inline suite that
// does not parse is named with.expectations.
Result<ValidateOptions> ValidateOptionsFromJson(const nlohmann::json& with);

struct ValidateResult {
  bool passed = false;
  monitoring::QualityReport report;
  // One line per failing check: "amount: min (2 of 10 failing) — message".
  std::vector<std::string> failures;
  std::string report_path;
};

// InvalidArgument for an unreadable or oversized CSV or suite, or a suite
// that does not parse (naming the column and key); Internal for I/O
// failures writing the report.
Result<ValidateResult> ValidateData(const ValidateOptions& options);

}  // namespace ferry::pipelines::steps
