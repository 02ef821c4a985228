// DatasetProfile <-> JSON: the readable summary and the base64 sketch that
// is read back (format in dataset_profile.h).

#include <cmath>

#include "core/base64.h"
#include "pipelines/datasets/dataset_files_internal.h"
#include "pipelines/datasets/dataset_json_internal.h"
#include "pipelines/datasets/dataset_profile.h"

namespace ferry::datasets {

namespace {

using internal::StringField;
using internal::UintField;

constexpr int kFormat = 1;

std::string Base64(const std::string& bytes) { return Base64Encode(bytes); }

Result<std::string> Unbase64(const std::string& text, const std::string& field) {
  std::optional<std::string> out = Base64Decode(text);
  if (!out) return InvalidArgument(field + ": not valid base64");
  return *out;
}

nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json NumericJson(const ColumnSummary& s) {
  nlohmann::json q = nlohmann::json::object();
  for (size_t i = 0; i < kQuantileNames.size(); ++i) q[std::string(kQuantileNames[i])] = Number(s.quantiles[i]);
  return {{"min", Number(s.min)},      {"max", Number(s.max)},
          {"mean", Number(s.mean)},    {"std", Number(s.std)},
          {"quantiles", std::move(q)}, {"histogram", {{"edges", s.edges}, {"counts", s.counts}}}};
}

nlohmann::json ColumnJson(const monitoring::ColumnProfile& column) {
  ColumnSummary s = SummarizeColumn(column);
  nlohmann::json j = {{"name", s.name},
                      {"kind", monitoring::ColumnKindName(s.kind)},
                      {"rows", s.rows},
                      {"missing", s.missing},
                      {"missing_rate", s.missing_rate},
                      {"non_finite", s.non_finite},
                      {"invalid", s.invalid},
                      {"distinct", s.distinct},
                      {"distinct_exact", s.distinct_exact},
                      {"count", s.count}};
  if (s.kind == monitoring::ColumnKind::kNumerical) {
    j.update(NumericJson(s));
    return j;
  }
  nlohmann::json top = nlohmann::json::array();
  for (const CategoryCount& c : s.top) top.push_back({{"value", c.value}, {"count", c.count}});
  j["top"] = std::move(top);
  return j;
}

nlohmann::json TableJson(const TableProfile& t) {
  nlohmann::json j = {{"path", t.path}, {"bytes", t.bytes}};
  if (!t.error.empty()) {
    j["error"] = t.error;
    return j;
  }
  j["rows"] = t.profile.rows;
  nlohmann::json columns = nlohmann::json::array();
  for (const monitoring::ColumnProfile& c : t.profile.columns) columns.push_back(ColumnJson(c));
  j["columns"] = std::move(columns);
  j["sketch"] = Base64(monitoring::SerializeProfile(t.profile));
  return j;
}

Result<TableProfile> TableFromJson(const nlohmann::json& json, size_t i) {
  const std::string where = "tables[" + std::to_string(i) + "].";
  if (!json.is_object()) return InvalidArgument("tables[" + std::to_string(i) + "]: expected an object");
  TableProfile t;
  ASSIGN_OR_RETURN(t.path, StringField(json, where, "path"));
  if (Status st = CheckManifestPath(t.path); !st.ok()) return InvalidArgument(where + "path: " + st.message());
  ASSIGN_OR_RETURN(t.bytes, UintField(json, where, "bytes"));
  if (json.contains("error")) {
    ASSIGN_OR_RETURN(t.error, StringField(json, where, "error"));
    if (t.error.empty()) return InvalidArgument(where + "error: empty");
    return t;
  }
  ASSIGN_OR_RETURN(std::string sketch, StringField(json, where, "sketch"));
  ASSIGN_OR_RETURN(std::string bytes, Unbase64(sketch, where + "sketch"));
  Result<monitoring::Profile> profile = monitoring::ParseProfile(bytes);
  if (!profile.ok()) return InvalidArgument(where + "sketch: " + profile.status().message());
  t.profile = std::move(profile).value();
  return t;
}

}  // namespace

nlohmann::json DatasetProfileToJson(const DatasetProfile& p) {
  nlohmann::json tables = nlohmann::json::array();
  for (const TableProfile& t : p.tables) tables.push_back(TableJson(t));
  return {{"format", kFormat},
          {"files", p.files},
          {"bytes", p.bytes},
          {"other_files", p.other_files},
          {"other_bytes", p.other_bytes},
          {"tables", std::move(tables)}};
}

Result<DatasetProfile> DatasetProfileFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgument("profile: expected a JSON object");
  ASSIGN_OR_RETURN(uint64_t format, UintField(json, "", "format"));
  if (format != kFormat) return InvalidArgument("format: unsupported profile format " + std::to_string(format));
  DatasetProfile p;
  ASSIGN_OR_RETURN(p.files, UintField(json, "", "files"));
  ASSIGN_OR_RETURN(p.bytes, UintField(json, "", "bytes"));
  ASSIGN_OR_RETURN(p.other_files, UintField(json, "", "other_files"));
  ASSIGN_OR_RETURN(p.other_bytes, UintField(json, "", "other_bytes"));
  auto tables = json.find("tables");
  if (tables == json.end() || !tables->is_array()) return InvalidArgument("tables: expected an array");
  for (size_t i = 0; i < tables->size(); ++i) {
    ASSIGN_OR_RETURN(TableProfile t, TableFromJson((*tables)[i], i));
    p.tables.push_back(std::move(t));
  }
  return p;
}

}  // namespace ferry::datasets
