// DatasetDiff as JSON (shape in dataset_diff.h).
#include <cmath>

#include "pipelines/datasets/dataset_diff.h"

namespace ferry::datasets {

namespace {

using monitoring::ColumnKindName;

nlohmann::json Number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json Pair(const Change& c) { return {{"a", Number(c.a)}, {"b", Number(c.b)}}; }

// A count (files, bytes, rows, distinct values) as an integer.
nlohmann::json Count(double v) {
  return std::isfinite(v) && v >= 0 ? nlohmann::json(static_cast<uint64_t>(v)) : nlohmann::json(nullptr);
}
nlohmann::json Counts(const Change& c) { return {{"a", Count(c.a)}, {"b", Count(c.b)}}; }

nlohmann::json EntryJson(const ManifestEntry& e) { return {{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}}; }

nlohmann::json FileChangesJson(const FileChanges& c) {
  nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(), changed = nlohmann::json::array();
  for (const ManifestEntry& e : c.added) added.push_back(EntryJson(e));
  for (const ManifestEntry& e : c.removed) removed.push_back(EntryJson(e));
  for (const FileChange& f : c.changed) {
    changed.push_back({{"path", f.path},
                       {"a", {{"size", f.a.size}, {"sha256", f.a.sha256}}},
                       {"b", {{"size", f.b.size}, {"sha256", f.b.sha256}}}});
  }
  return {{"added", added}, {"removed", removed}, {"changed", changed}, {"unchanged", c.unchanged}};
}

template <typename T>
nlohmann::json Optional(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json CategoriesJson(const CategoryChanges& c) {
  nlohmann::json top = nlohmann::json::array();
  for (const CategoryShare& s : c.top_changes) top.push_back({{"value", s.value}, {"a", s.a}, {"b", s.b}});
  return {{"new", Optional(c.added)},
          {"new_count", Optional(c.added_count)},
          {"vanished", Optional(c.vanished)},
          {"vanished_count", Optional(c.vanished_count)},
          {"top_changes", std::move(top)}};
}

nlohmann::json DriftJson(const monitoring::ColumnDrift& d) {
  if (!d.tested) return {{"tested", false}, {"reason", d.reason}};
  return {{"tested", true},
          {"test", d.test},
          {"statistic", Number(d.statistic)},
          {"p_value", Number(d.p_value)},
          {"score", Number(d.score)},
          {"threshold", d.threshold},
          {"drifted", d.drifted}};
}

nlohmann::json ColumnJson(const ColumnDiff& c) {
  nlohmann::json j = {{"name", c.name},
                      {"kind", {{"a", ColumnKindName(c.kind_a)}, {"b", ColumnKindName(c.kind_b)}}},
                      {"severity", Number(c.severity)},
                      {"missing_rate", Pair(c.missing_rate)},
                      {"distinct", Counts(c.distinct)},
                      {"drift", DriftJson(c.drift)}};
  if (c.kind_a == monitoring::ColumnKind::kNumerical && c.kind_b == c.kind_a) {
    j["min"] = Pair(c.min);
    j["max"] = Pair(c.max);
    j["mean"] = Pair(c.mean);
    j["std"] = Pair(c.std);
    nlohmann::json q = nlohmann::json::object();
    for (size_t i = 0; i < c.quantiles.size(); ++i) q[std::string(kQuantileNames[i])] = Pair(c.quantiles[i]);
    j["quantiles"] = std::move(q);
    j["mean_shift"] = Number(c.mean_shift);
  }
  if (c.categories) j["categories"] = CategoriesJson(*c.categories);
  return j;
}

nlohmann::json SchemaJson(const TableDiff& t) {
  nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(), changed = nlohmann::json::array();
  for (const ColumnRef& c : t.added) added.push_back({{"name", c.name}, {"kind", ColumnKindName(c.kind)}});
  for (const ColumnRef& c : t.removed) removed.push_back({{"name", c.name}, {"kind", ColumnKindName(c.kind)}});
  for (const KindChange& c : t.kind_changed) {
    changed.push_back({{"name", c.name}, {"a", ColumnKindName(c.a)}, {"b", ColumnKindName(c.b)}});
  }
  return {{"added", added}, {"removed", removed}, {"kind_changed", changed}};
}

nlohmann::json TableJson(const TableDiff& t) {
  nlohmann::json j = {{"a", t.path_a.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.path_a)},
                      {"b", t.path_b.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.path_b)},
                      {"status", t.status()},
                      {"rows", Counts(t.rows)}};
  if (!t.error_a.empty() || !t.error_b.empty()) {
    j["errors"] = {{"a", t.error_a.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.error_a)},
                   {"b", t.error_b.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.error_b)}};
  }
  if (t.status() != "compared") return j;
  j["schema"] = SchemaJson(t);
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnDiff& c : t.columns) columns.push_back(ColumnJson(c));
  j["columns"] = std::move(columns);
  return j;
}

nlohmann::json SummaryJson(const DatasetDiff& d) {
  uint64_t compared = 0, added = 0, removed = 0, schema = 0, drifted = 0;
  for (const TableDiff& t : d.tables) {
    std::string_view status = t.status();
    compared += status == "compared";
    added += status == "added";
    removed += status == "removed";
    schema += t.added.size() + t.removed.size() + t.kind_changed.size();
    for (const ColumnDiff& c : t.columns) drifted += c.drift.drifted;
  }
  return {{"tables_compared", compared},
          {"tables_added", added},
          {"tables_removed", removed},
          {"schema_changes", schema},
          {"columns_drifted", drifted}};
}

}  // namespace

nlohmann::json DiffToJson(const DatasetDiff& d) {
  nlohmann::json tables = nlohmann::json::array();
  for (const TableDiff& t : d.tables) tables.push_back(TableJson(t));
  nlohmann::json j = {{"files", Counts(d.files)}, {"bytes", Counts(d.bytes)}};
  if (!d.digest_a.empty() || !d.digest_b.empty()) j["digest"] = {{"a", d.digest_a}, {"b", d.digest_b}};
  if (d.file_changes) j["file_changes"] = FileChangesJson(*d.file_changes);
  j["tables"] = std::move(tables);
  j["summary"] = SummaryJson(d);
  return j;
}

}  // namespace ferry::datasets
