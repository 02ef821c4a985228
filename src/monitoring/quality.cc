#include "monitoring/quality.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <unordered_set>

#include <re2/re2.h>

#include "monitoring/stats/distances.h"

namespace ferry::monitoring {

namespace {

constexpr size_t kExamples = 5;

std::string Text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "?";
}

class Checker {
 public:
  Checker(const Column& column, QualityReport* report) : c_(column), report_(report) {}

  // Records one check; `failing` values out of `checked`.
  CheckResult& Add(std::string check, uint64_t failing, uint64_t checked, std::string message = "") {
    CheckResult& r = report_->results.emplace_back();
    r.column = c_.name;
    r.check = std::move(check);
    r.failing = failing;
    r.checked = checked;
    r.passed = failing == 0;
    r.message = std::move(message);
    report_->failed += !r.passed;
    return r;
  }

  // Counts numbers failing `bad`, with examples.
  template <typename Bad>
  void Numbers(std::string check, Bad bad) {
    CheckResult& r = Add(std::move(check), 0, c_.numbers.size());
    for (double v : c_.numbers) {
      if (!bad(v)) continue;
      ++r.failing;
      if (r.examples.size() < kExamples) r.examples.push_back(Text(v));
    }
    Finish(r);
  }

  // Counts values (dictionary entries weighted by use) failing `bad`.
  template <typename Bad>
  void Words(std::string check, Bad bad) {
    std::vector<uint64_t> uses(c_.dictionary.size());
    for (uint32_t code : c_.codes) ++uses[code];
    CheckResult& r = Add(std::move(check), 0, c_.codes.size());
    for (size_t i = 0; i < c_.dictionary.size(); ++i) {
      if (!bad(c_.dictionary[i])) continue;
      r.failing += uses[i];
      if (r.examples.size() < kExamples) r.examples.push_back(c_.dictionary[i]);
    }
    Finish(r);
  }

  void Finish(CheckResult& r) {
    r.passed = r.failing == 0;
    report_->failed += !r.passed;
  }

  bool numerical() const { return c_.kind == ColumnKind::kNumerical; }
  const Column& column() const { return c_; }

 private:
  const Column& c_;
  QualityReport* report_;
};

void CheckMissing(Checker& k, const ColumnExpectations& e) {
  const Column& c = k.column();
  uint64_t missing = c.missing + c.non_finite;
  if (e.not_null) k.Add("not_null", missing, c.rows);
  if (e.max_missing_share) {
    double share = c.rows ? static_cast<double>(missing) / static_cast<double>(c.rows) : 0;
    k.Add("max_missing_share", share > *e.max_missing_share, 1,
          "missing share " + Text(share) + ", at most " + Text(*e.max_missing_share));
  }
  if (c.invalid) k.Add("type", c.invalid, c.rows, "values that are not numbers");
}

void CheckRange(Checker& k, const ColumnExpectations& e) {
  if (!e.min && !e.max) return;
  if (!k.numerical()) {
    k.Add(e.min ? "min" : "max", 1, 1, "min and max apply to numerical columns");
    return;
  }
  if (e.min) k.Numbers("min", [&](double v) { return v < *e.min; });
  if (e.max) k.Numbers("max", [&](double v) { return v > *e.max; });
}

void CheckAllowed(Checker& k, const ColumnExpectations& e) {
  if (!e.allowed) return;
  if (!k.numerical()) {
    std::unordered_set<std::string> allowed(e.allowed->begin(), e.allowed->end());
    k.Words("allowed", [&](const std::string& v) { return !allowed.count(v); });
    return;
  }
  std::set<double> allowed;
  for (const std::string& a : *e.allowed) {
    double v = 0;
    if (std::from_chars(a.data(), a.data() + a.size(), v).ec == std::errc()) allowed.insert(v);
  }
  k.Numbers("allowed", [&](double v) { return !allowed.count(v); });
}

void CheckUnique(Checker& k, const ColumnExpectations& e) {
  if (!e.unique) return;
  const Column& c = k.column();
  if (k.numerical()) {
    std::vector<double> sorted = c.numbers;
    std::sort(sorted.begin(), sorted.end());
    CheckResult& r = k.Add("unique", 0, sorted.size());
    for (size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i] != sorted[i - 1]) continue;
      ++r.failing;
      if (r.examples.size() < kExamples && (r.examples.empty() || r.examples.back() != Text(sorted[i]))) {
        r.examples.push_back(Text(sorted[i]));
      }
    }
    k.Finish(r);
    return;
  }
  std::vector<uint64_t> uses(c.dictionary.size());
  for (uint32_t code : c.codes) ++uses[code];
  CheckResult& r = k.Add("unique", 0, c.codes.size());
  for (size_t i = 0; i < uses.size(); ++i) {
    if (uses[i] < 2) continue;
    r.failing += uses[i] - 1;
    if (r.examples.size() < kExamples) r.examples.push_back(c.dictionary[i]);
  }
  k.Finish(r);
}

void CheckRegex(Checker& k, const ColumnExpectations& e) {
  if (!e.regex) return;
  if (k.numerical()) {
    k.Add("regex", 1, 1, "regex applies to categorical and text columns");
    return;
  }
  RE2 pattern(*e.regex, RE2::Quiet);
  if (!pattern.ok()) {
    k.Add("regex", 1, 1, "bad pattern: " + pattern.error());
    return;
  }
  k.Words("regex", [&](const std::string& v) { return !RE2::FullMatch(v, pattern); });
}

void CheckDistribution(Checker& k, const ColumnExpectations& e) {
  if (!e.mean_between && !e.std_between) return;
  const std::vector<double>& v = k.column().numbers;
  if (!k.numerical() || v.empty()) {
    k.Add("distribution", 1, 1, "mean_between and std_between need numerical values");
    return;
  }
  if (e.mean_between) {
    double mean = 0;
    for (double x : v) mean += x / static_cast<double>(v.size());
    bool out = mean < e.mean_between->first || mean > e.mean_between->second;
    k.Add("mean_between", out, 1, "mean " + Text(mean));
  }
  if (e.std_between) {
    double sd = PopulationStd(v);
    bool out = sd < e.std_between->first || sd > e.std_between->second;
    k.Add("std_between", out, 1, "std " + Text(sd));
  }
}

}  // namespace

QualityReport CheckQuality(const Table& table, const ExpectationSuite& suite) {
  QualityReport report;
  for (const ColumnExpectations& e : suite.columns) {
    const Column* column = table.Find(e.column);
    if (!column) {
      report.results.push_back({e.column, "present", false, 1, 1, {}, "the data has no column '" + e.column + "'"});
      ++report.failed;
      continue;
    }
    Checker k(*column, &report);
    if (e.kind && *e.kind != column->kind) {
      k.Add("kind", 1, 1,
            "expected " + std::string(ColumnKindName(*e.kind)) + ", found " + std::string(ColumnKindName(column->kind)));
    }
    CheckMissing(k, e);
    CheckRange(k, e);
    CheckAllowed(k, e);
    CheckUnique(k, e);
    CheckRegex(k, e);
    CheckDistribution(k, e);
  }
  if (!suite.allow_other_columns) {
    for (const Column& c : table.columns) {
      bool named = std::any_of(suite.columns.begin(), suite.columns.end(),
                               [&](const ColumnExpectations& e) { return e.column == c.name; });
      if (!named) {
        report.results.push_back({c.name, "unexpected", false, 1, 1, {}, "the suite does not name this column"});
        ++report.failed;
      }
    }
  }
  return report;
}

nlohmann::json QualityReportToJson(const QualityReport& report) {
  nlohmann::json results = nlohmann::json::array();
  for (const CheckResult& r : report.results) {
    nlohmann::json j = {{"column", r.column}, {"check", r.check},     {"passed", r.passed},
                        {"failing", r.failing}, {"checked", r.checked}, {"examples", r.examples}};
    if (!r.message.empty()) j["message"] = r.message;
    results.push_back(j);
  }
  return {{"passed", report.passed()}, {"failed_checks", report.failed}, {"results", results}};
}

}  // namespace ferry::monitoring
