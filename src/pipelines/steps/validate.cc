#include "pipelines/steps/validate.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "monitoring/csv_reader.h"
#include "pipelines/steps/step_metrics.h"
#include "pipelines/steps/with_args.h"

namespace ferry::pipelines::steps {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr uintmax_t kMaxDataBytes = uintmax_t{1} << 30;
constexpr uintmax_t kMaxSuiteBytes = uintmax_t{1} << 20;

Status InField(std::string_view field, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), "with." + std::string(field) + ": " + s.message());
}

// A regular file of at most `max_bytes`; the error names `field`.
Status CheckFile(std::string_view field, const std::string& path, uintmax_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return InField(
        field, InvalidArgument(QuotedForMessage(path, 200) + " is not a readable file"));
  }
  if (fs::file_size(path, ec) > max_bytes) {
    return InField(field,
                   InvalidArgument(QuotedForMessage(path, 200) + " is larger than " +
                                   std::to_string(max_bytes >> 20) + " MiB"));
  }
  return Status::Ok();
}

Result<std::string> SuiteText(const ValidateOptions& o) {
  if (o.suite_path.empty()) return o.suite_text;
  RETURN_IF_ERROR(CheckFile("suite", o.suite_path, kMaxSuiteBytes));
  std::ifstream in(o.suite_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in)
    return InvalidArgument("with.suite: cannot read " +
                           QuotedForMessage(o.suite_path, 200));
  return text.str();
}

std::string FailureLine(const monitoring::CheckResult& r) {
  std::string line = r.column + ": " + r.check;
  if (r.checked > 1 || r.failing > 1) {
    line += " (" + std::to_string(r.failing) + " of " + std::to_string(r.checked) +
            " failing)";
  }
  if (!r.message.empty()) line += " — " + r.message;
  return line;
}

}  // namespace

Result<ValidateOptions> ValidateOptionsFromJson(const Json& with) {
  RETURN_IF_ERROR(CheckArguments(with, {"data", "expectations", "suite", "output"}));
  ValidateOptions o;
  ASSIGN_OR_RETURN(o.data, RequiredTextArg(with, "data"));
  const Json* inline_suite =
      with.contains("expectations") && !with["expectations"].is_null()
          ? &with["expectations"]
          : nullptr;
  ASSIGN_OR_RETURN(std::optional<std::string> suite, TextArg(with, "suite"));
  if ((inline_suite != nullptr) == suite.has_value()) {
    return InvalidArgument(
        "with.expectations: give the suite inline (expectations) or as a file (suite), "
        "one of the two");
  }
  if (suite) o.suite_path = *suite;
  if (inline_suite != nullptr) {
    if (inline_suite->is_object()) {
      o.suite_text = inline_suite->dump();  // JSON is YAML
    } else if (inline_suite->is_string()) {
      o.suite_text = inline_suite->get<std::string>();
    } else {
      return InvalidArgument(
          "with.expectations: must be a suite mapping or its YAML text");
    }
    if (o.suite_text.size() > kMaxSuiteBytes)
      return InvalidArgument("with.expectations: larger than 1 MiB");
    auto parsed = monitoring::ParseSuite(o.suite_text);
    if (!parsed.ok()) return InField("expectations", parsed.status());
  }
  ASSIGN_OR_RETURN(std::optional<std::string> output, TextArg(with, "output"));
  if (output) o.output = *output;
  return o;
}

Result<ValidateResult> ValidateData(const ValidateOptions& o) {
  ASSIGN_OR_RETURN(std::string text, SuiteText(o));
  auto suite = monitoring::ParseSuite(text);
  if (!suite.ok())
    return InField(o.suite_path.empty() ? "expectations" : "suite", suite.status());
  RETURN_IF_ERROR(CheckFile("data", o.data, kMaxDataBytes));
  auto table = monitoring::ReadCsvFile(o.data);
  if (!table.ok()) return InField("data", table.status());
  ValidateResult r;
  r.report = monitoring::CheckQuality(*table, *suite);
  r.passed = r.report.passed();
  for (const monitoring::CheckResult& check : r.report.results) {
    if (!check.passed) r.failures.push_back(FailureLine(check));
  }
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) return Internal("cannot create " + o.output + ": " + ec.message());
  r.report_path = (fs::path(o.output) / "report.json").string();
  Json report = monitoring::QualityReportToJson(r.report);
  report["data"] = o.data;
  RETURN_IF_ERROR(WriteJsonFile(r.report_path, report));
  return r;
}

}  // namespace ferry::pipelines::steps
