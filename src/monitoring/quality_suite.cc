// The expectation suite's YAML (quality.h).
#include <cmath>

#include <yaml-cpp/yaml.h>

#include "monitoring/quality.h"

namespace ferry::monitoring {

namespace {

Status Bad(const std::string& column, const std::string& key, const std::string& what) {
  return InvalidArgument("suite: column '" + column + "', '" + key + "': " + what);
}

Result<double> Number(const YAML::Node& node, const std::string& column, const std::string& key) {
  try {
    double v = node.as<double>();
    if (!std::isfinite(v)) return Bad(column, key, "must be a finite number");
    return v;
  } catch (const YAML::Exception&) {
    return Bad(column, key, "must be a number");
  }
}

Result<std::pair<double, double>> Range(const YAML::Node& node, const std::string& column, const std::string& key) {
  if (!node.IsSequence() || node.size() != 2) return Bad(column, key, "must be [low, high]");
  ASSIGN_OR_RETURN(double lo, Number(node[0], column, key));
  ASSIGN_OR_RETURN(double hi, Number(node[1], column, key));
  if (lo > hi) return Bad(column, key, "low is above high");
  return std::pair{lo, hi};
}

Result<bool> Flag(const YAML::Node& node, const std::string& column, const std::string& key) {
  try {
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    return Bad(column, key, "must be true or false");
  }
}

Result<ColumnKind> KindOf(const YAML::Node& node, const std::string& column) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  for (ColumnKind k : {ColumnKind::kNumerical, ColumnKind::kCategorical, ColumnKind::kText}) {
    if (text == ColumnKindName(k)) return k;
  }
  return Bad(column, "kind", "must be numerical, categorical or text");
}

Status ReadKey(const std::string& key, const YAML::Node& value, ColumnExpectations* e) {
  const std::string& c = e->column;
  if (key == "kind") {
    ASSIGN_OR_RETURN(e->kind, KindOf(value, c));
  } else if (key == "not_null") {
    ASSIGN_OR_RETURN(e->not_null, Flag(value, c, key));
  } else if (key == "unique") {
    ASSIGN_OR_RETURN(e->unique, Flag(value, c, key));
  } else if (key == "max_missing_share") {
    ASSIGN_OR_RETURN(e->max_missing_share, Number(value, c, key));
    if (*e->max_missing_share < 0 || *e->max_missing_share > 1) return Bad(c, key, "must be between 0 and 1");
  } else if (key == "min") {
    ASSIGN_OR_RETURN(e->min, Number(value, c, key));
  } else if (key == "max") {
    ASSIGN_OR_RETURN(e->max, Number(value, c, key));
  } else if (key == "mean_between") {
    ASSIGN_OR_RETURN(e->mean_between, Range(value, c, key));
  } else if (key == "std_between") {
    ASSIGN_OR_RETURN(e->std_between, Range(value, c, key));
  } else if (key == "allowed") {
    if (!value.IsSequence()) return Bad(c, key, "must be a list of values");
    e->allowed.emplace();
    for (const YAML::Node& v : value) {
      if (!v.IsScalar()) return Bad(c, key, "must be a list of values");
      e->allowed->push_back(v.Scalar());
    }
  } else if (key == "regex") {
    if (!value.IsScalar()) return Bad(c, key, "must be a pattern");
    e->regex = value.Scalar();
  } else {
    return Bad(c, key, "unknown check (kind, not_null, max_missing_share, min, max, allowed, unique, regex, "
                       "mean_between, std_between)");
  }
  return Status::Ok();
}

Result<ColumnExpectations> ReadColumn(const std::string& column, const YAML::Node& checks) {
  ColumnExpectations e;
  e.column = column;
  if (checks.IsNull()) return e;  // presence only
  if (!checks.IsMap()) return InvalidArgument("suite: column '" + column + "' must map check names to values");
  for (const auto& kv : checks) RETURN_IF_ERROR(ReadKey(kv.first.as<std::string>(), kv.second, &e));
  if (e.min && e.max && *e.min > *e.max) return Bad(column, "min", "is above max");
  return e;
}

}  // namespace

Result<ExpectationSuite> ParseSuite(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("suite: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !root["columns"] || !root["columns"].IsMap()) {
    return InvalidArgument("suite: expected a map with 'columns: {name: {check: value}}'");
  }
  ExpectationSuite suite;
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    if (key == "allow_other_columns") {
      ASSIGN_OR_RETURN(suite.allow_other_columns, Flag(kv.second, "*", key));
    } else if (key != "columns") {
      return InvalidArgument("suite: unknown key '" + key + "' (columns, allow_other_columns)");
    }
  }
  for (const auto& kv : root["columns"]) {
    ASSIGN_OR_RETURN(ColumnExpectations e, ReadColumn(kv.first.as<std::string>(), kv.second));
    suite.columns.push_back(std::move(e));
  }
  return suite;
}

}  // namespace ferry::monitoring
