// DatasetDiff as a compact listing for a terminal. Every string that came
// from the data (paths, column names, values) is cleaned of control
// characters first, so a hostile CSV cannot drive the terminal.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/text.h"
#include "pipelines/datasets/dataset_diff.h"

namespace ferry::datasets {

namespace {

using monitoring::ColumnKind;
using monitoring::ColumnKindName;

constexpr size_t kMaxFilesListed = 20;
constexpr size_t kMaxSchemaListed = 20;
constexpr size_t kMaxColumnsListed = 30;
constexpr size_t kMaxNameWidth = 24;
constexpr size_t kMaxValuesShown = 3;

// At most `max` bytes of `s`, control characters and malformed UTF-8 as '?'.
std::string Clean(std::string_view s, size_t max = 60) {
  std::string quoted = QuotedForMessage(s, max);
  return quoted.substr(1, quoted.size() - 2);
}

size_t Width(std::string_view s) {
  size_t w = 0;
  for (char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

std::string Pad(std::string s, size_t width) {
  size_t w = Width(s);
  return w >= width ? s + " " : s + std::string(width - w, ' ');
}

std::string Num(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string Count(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string Percent(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

std::string Size(double bytes) {
  if (std::isnan(bytes)) return "-";
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t u = 0;
  while (bytes >= 1024 && u + 1 < std::size(units)) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string Arrow(const Change& c, std::string (*format)(double)) { return format(c.a) + " -> " + format(c.b); }

std::string Relative(const Change& c) {
  if (!(c.a > 0) || std::isnan(c.b)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%+.1f%%)", 100 * (c.b - c.a) / c.a);
  return buf;
}

void FileLines(const FileChanges& f, std::string* out) {
  *out += "  " + std::to_string(f.added.size()) + " added, " + std::to_string(f.removed.size()) + " removed, " +
          std::to_string(f.changed.size()) + " changed, " + std::to_string(f.unchanged) + " unchanged\n";
  size_t shown = 0, total = f.added.size() + f.removed.size() + f.changed.size();
  auto line = [&](const std::string& text) {
    if (shown++ < kMaxFilesListed) *out += "  " + text + "\n";
  };
  for (const FileChange& c : f.changed)
    line("~ " + Clean(c.path, 200) + "  " + Size(c.a.size) + " -> " + Size(c.b.size));
  for (const ManifestEntry& e : f.removed) line("- " + Clean(e.path, 200) + "  " + Size(e.size));
  for (const ManifestEntry& e : f.added) line("+ " + Clean(e.path, 200) + "  " + Size(e.size));
  if (total > kMaxFilesListed) *out += "  ... and " + std::to_string(total - kMaxFilesListed) + " more\n";
}

void HeaderLines(const DatasetDiff& d, std::string* out) {
  if (!d.digest_a.empty()) *out += "dataset " + d.digest_a.substr(0, 12) + " -> " + d.digest_b.substr(0, 12) + "\n";
  *out += "files " + Arrow(d.files, Count) + ", " + Arrow(d.bytes, Size) + "\n";
  if (d.file_changes) FileLines(*d.file_changes, out);
}

void SchemaLine(const TableDiff& t, std::string* out) {
  std::vector<std::string> items;
  for (const KindChange& c : t.kind_changed) {
    items.push_back("~ " + Clean(c.name) + " " + std::string(ColumnKindName(c.a)) + " -> " +
                    std::string(ColumnKindName(c.b)));
  }
  for (const ColumnRef& c : t.removed)
    items.push_back("- " + Clean(c.name) + " (" + std::string(ColumnKindName(c.kind)) + ")");
  for (const ColumnRef& c : t.added)
    items.push_back("+ " + Clean(c.name) + " (" + std::string(ColumnKindName(c.kind)) + ")");
  if (items.empty()) return;
  *out += "  schema:";
  for (size_t i = 0; i < items.size() && i < kMaxSchemaListed; ++i) *out += (i ? ", " : " ") + items[i];
  if (items.size() > kMaxSchemaListed) *out += ", ... and " + std::to_string(items.size() - kMaxSchemaListed) + " more";
  *out += "\n";
}

std::string DriftCell(const monitoring::ColumnDrift& d) {
  if (!d.tested) return "not tested (" + Clean(d.reason, 24) + ")";
  std::string cell = d.drifted ? "DRIFT " : "";
  return cell + d.test + (std::isnan(d.p_value) ? " " : " p=") + Num(d.score);
}

std::string Values(const std::vector<std::string>& values, uint64_t count) {
  std::string out;
  for (size_t i = 0; i < values.size() && i < kMaxValuesShown; ++i)
    out += (i ? ", '" : "'") + Clean(values[i], 30) + "'";
  if (count > kMaxValuesShown) out += " (+" + std::to_string(count - kMaxValuesShown) + " more)";
  return out;
}

std::string CategoryCell(const ColumnDiff& c) {
  std::vector<std::string> parts;
  const CategoryChanges& k = *c.categories;
  if (k.added_count && *k.added_count > 0) parts.push_back("new " + Values(*k.added, *k.added_count));
  if (k.vanished_count && *k.vanished_count > 0) parts.push_back("vanished " + Values(*k.vanished, *k.vanished_count));
  if (!k.top_changes.empty()) {
    const CategoryShare& s = k.top_changes.front();
    parts.push_back("'" + Clean(s.value, 30) + "' " + Percent(s.a) + " -> " + Percent(s.b));
  }
  if (parts.empty()) return "distinct " + Arrow(c.distinct, Count);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

std::string ChangeCell(const ColumnDiff& c) {
  if (c.kind_a != c.kind_b) {
    return "kind " + std::string(ColumnKindName(c.kind_a)) + " -> " + std::string(ColumnKindName(c.kind_b));
  }
  if (c.categories) return CategoryCell(c);
  if (c.kind_a != ColumnKind::kNumerical) return "distinct " + Arrow(c.distinct, Count);
  std::string out = "mean " + Arrow(c.mean, Num);
  if (!std::isnan(c.mean_shift)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%+.2f sd)", c.mean_shift);
    out += buf;
  }
  return out + ", std " + Arrow(c.std, Num) + ", p50 " + Arrow(c.quantiles[2], Num);
}

void ColumnLines(const TableDiff& t, std::string* out) {
  if (t.columns.empty()) return;
  size_t width = 6;
  for (const ColumnDiff& c : t.columns) width = std::max(width, std::min(Width(Clean(c.name)), kMaxNameWidth));
  *out += "  " + Pad("column", width + 1) + Pad("kind", 12) + Pad("drift", 28) + Pad("missing", 16) + "changes\n";
  for (size_t i = 0; i < t.columns.size() && i < kMaxColumnsListed; ++i) {
    const ColumnDiff& c = t.columns[i];
    std::string kind = c.kind_a == c.kind_b ? std::string(ColumnKindName(c.kind_a)) : "changed";
    *out += "  " + Pad(Clean(c.name, kMaxNameWidth), width + 1) + Pad(kind, 12) + Pad(DriftCell(c.drift), 28) +
            Pad(Arrow(c.missing_rate, Percent), 16) + ChangeCell(c) + "\n";
  }
  if (t.columns.size() > kMaxColumnsListed) {
    *out += "  ... and " + std::to_string(t.columns.size() - kMaxColumnsListed) + " more columns, less changed\n";
  }
}

void TableLines(const TableDiff& t, std::string* out) {
  std::string_view status = t.status();
  if (status == "added") {
    *out += "table " + Clean(t.path_b, 200) + ": added" +
            (t.error_b.empty() ? ", " + Count(t.rows.b) + " rows" : " (not readable: " + Clean(t.error_b, 120) + ")") +
            "\n";
    return;
  }
  if (status == "removed") {
    *out += "table " + Clean(t.path_a, 200) + ": removed\n";
    return;
  }
  std::string name = t.path_a == t.path_b ? Clean(t.path_a, 200) : Clean(t.path_a, 200) + " -> " + Clean(t.path_b, 200);
  if (status == "unreadable") {
    *out += "table " + name + ": not compared";
    if (!t.error_a.empty()) *out += "; a: " + Clean(t.error_a, 120);
    if (!t.error_b.empty()) *out += "; b: " + Clean(t.error_b, 120);
    *out += "\n";
    return;
  }
  *out += "table " + name + ": rows " + Arrow(t.rows, Count) + Relative(t.rows) + "\n";
  SchemaLine(t, out);
  ColumnLines(t, out);
}

// Tables added, removed or unreadable first, then those whose schema
// changed, then by their most severe column.
std::pair<int, double> Importance(const TableDiff& t) {
  double severity = 0;
  for (const ColumnDiff& c : t.columns) severity = std::max(severity, c.severity);
  bool schema = !t.added.empty() || !t.removed.empty() || !t.kind_changed.empty();
  return {t.status() != "compared" ? 2 : schema ? 1 : 0, severity};
}

}  // namespace

std::string DiffToText(const DatasetDiff& d) {
  std::string out;
  HeaderLines(d, &out);
  std::vector<const TableDiff*> tables;
  for (const TableDiff& t : d.tables) tables.push_back(&t);
  std::stable_sort(tables.begin(), tables.end(),
                   [](const TableDiff* x, const TableDiff* y) { return Importance(*x) > Importance(*y); });
  for (const TableDiff* t : tables) TableLines(*t, &out);
  return out;
}

}  // namespace ferry::datasets
