#include "pipelines/datasets/dataset_profile.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>

#include "core/sha256.h"
#include "monitoring/csv_reader.h"
#include "pipelines/datasets/dataset_blobs.h"
#include "pipelines/datasets/dataset_files_internal.h"

namespace ferry::datasets {

namespace {

using internal::Fd;
using internal::Quoted;
using monitoring::ColumnKind;
using Opener = std::function<Result<Fd>(const ManifestEntry&)>;

bool IsCsv(std::string_view path) {
  if (path.size() < 4) return false;
  std::string ext(path.substr(path.size() - 4));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".csv";
}

// The whole file, checked against the manifest on the way.
Result<std::string> ReadVerified(int fd, const ManifestEntry& e) {
  auto changed = [&] {
    return FailedPrecondition(Quoted(e.path) + " does not match the manifest (changed since it was scanned?)");
  };
  std::string text;
  text.reserve(e.size);
  std::string buffer;
  Sha256 sha;
  RETURN_IF_ERROR(internal::ReadChunks(fd, &buffer, e.path, [&](std::string_view bytes) {
    if (text.size() + bytes.size() > e.size) return changed();
    sha.Update(bytes);
    text.append(bytes);
    return Status::Ok();
  }));
  if (text.size() != e.size || sha.HexDigest() != e.sha256) return changed();
  return text;
}

// Text columns keep their most frequent values only (the rest is free text
// no drift test uses), so a stored profile stays small.
void TrimTextColumns(monitoring::Profile* profile) {
  for (monitoring::ColumnProfile& c : profile->columns) {
    if (c.kind != ColumnKind::kText) continue;
    monitoring::FrequentItems top(kTopCategories);
    for (const auto& item : c.categories.Top(kTopCategories)) top.Add(item.value, item.estimate);
    c.categories = std::move(top);
  }
}

Result<TableProfile> ProfileTable(const ManifestEntry& e, const Opener& open, const ProfileOptions& options) {
  TableProfile t;
  t.path = e.path;
  t.bytes = e.size;
  if (e.size > options.max_table_bytes) {
    t.error = "not profiled: " + std::to_string(e.size) + " bytes, over the limit of " +
              std::to_string(options.max_table_bytes);
    return t;
  }
  ASSIGN_OR_RETURN(Fd fd, open(e));
  ASSIGN_OR_RETURN(std::string text, ReadVerified(fd.get(), e));
  monitoring::CsvOptions csv;
  csv.threads = options.threads;
  Result<monitoring::Table> table = monitoring::ParseCsv(text, csv);
  if (!table.ok()) {
    t.error = table.status().message();
    return t;
  }
  t.profile = monitoring::ProfileOf(*table);
  TrimTextColumns(&t.profile);
  return t;
}

Result<DatasetProfile> ProfileWith(const DatasetManifest& manifest, const Opener& open, const ProfileOptions& options) {
  RETURN_IF_ERROR(ValidateManifest(manifest));
  DatasetProfile p;
  p.files = manifest.entries.size();
  p.bytes = manifest.bytes();
  for (const ManifestEntry& e : manifest.entries) {
    if (!IsCsv(e.path)) {
      ++p.other_files;
      p.other_bytes += e.size;
      continue;
    }
    ASSIGN_OR_RETURN(TableProfile t, ProfileTable(e, open, options));
    p.tables.push_back(std::move(t));
  }
  return p;
}

void SummarizeNumeric(const monitoring::NumericSummary& n, ColumnSummary* s) {
  s->count = n.count;
  if (n.count == 0) return;
  s->min = n.min;
  s->max = n.max;
  s->mean = n.mean;
  s->std = n.PopulationStd();
  std::vector<double> q = n.quantiles.Quantiles(kQuantileLevels);
  std::copy_n(q.begin(), s->quantiles.size(), s->quantiles.begin());
  // bins: below the first edge, one per interval, above the last.
  if (n.edges.size() >= 2 && n.bins.size() == n.edges.size() + 1) {
    s->edges = n.edges;
    s->counts.assign(n.bins.begin() + 1, n.bins.end() - 1);
  }
}

}  // namespace

const TableProfile* DatasetProfile::Find(std::string_view path) const {
  for (const TableProfile& t : tables) {
    if (t.path == path) return &t;
  }
  return nullptr;
}

ColumnSummary SummarizeColumn(const monitoring::ColumnProfile& c) {
  ColumnSummary s;
  s.name = c.name;
  s.kind = c.kind;
  s.rows = c.rows;
  s.missing = c.missing;
  s.non_finite = c.non_finite;
  s.invalid = c.invalid;
  s.missing_rate = c.rows ? static_cast<double>(c.missing) / static_cast<double>(c.rows) : 0;
  s.distinct = static_cast<uint64_t>(std::llround(c.distinct.Estimate()));
  if (c.kind == ColumnKind::kNumerical) {
    SummarizeNumeric(c.numeric, &s);
    return s;
  }
  s.count = c.rows - c.missing;
  for (const auto& item : c.categories.Top(kTopCategories)) s.top.push_back({item.value, item.estimate});
  if (c.kind == ColumnKind::kCategorical && c.categories.MaximumError() == 0) {
    s.distinct = c.categories.num_tracked();
    s.distinct_exact = true;
  }
  return s;
}

Result<DatasetProfile> ProfileDataset(const DatasetManifest& manifest, const std::string& source_path,
                                      const ProfileOptions& options) {
  return ProfileWith(
      manifest,
      [&](const ManifestEntry& e) {
        struct stat st{};
        return internal::OpenSourceFile(manifest.kind, source_path, e.path, &st);
      },
      options);
}

Result<DatasetProfile> ProfileStoredDataset(const DatasetManifest& manifest, const std::string& cas_root,
                                            const ProfileOptions& options) {
  return ProfileWith(
      manifest,
      [&](const ManifestEntry& e) -> Result<Fd> {
        struct stat st{};
        Result<Fd> fd = internal::OpenRegular(AT_FDCWD, BlobPath(cas_root, e.sha256), false, e.path, &st);
        if (!fd.ok() && fd.status().code() == StatusCode::kNotFound) {
          return NotFound("the content of " + Quoted(e.path) + " (sha256 " + e.sha256 + ") is not in the store");
        }
        return fd;
      },
      options);
}

}  // namespace ferry::datasets
