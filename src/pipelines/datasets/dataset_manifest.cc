#include "pipelines/datasets/dataset_manifest.h"

#include <algorithm>
#include <unordered_set>

#include "core/sha256.h"
#include "core/text.h"
#include "pipelines/datasets/dataset_files_internal.h"
#include "pipelines/datasets/dataset_json_internal.h"

namespace ferry::datasets {

namespace {

using internal::Quoted;
using internal::StringField;
using internal::UintField;

constexpr int kFormat = 1;

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

// Each folder above `path` ("a" and "a/b" for "a/b/c").
std::vector<std::string_view> Folders(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    out.push_back(path.substr(0, slash));
  }
  return out;
}

Status CheckFoldersAreNotFiles(const std::vector<ManifestEntry>& entries) {
  std::unordered_set<std::string_view> files;
  for (const ManifestEntry& e : entries) files.insert(e.path);
  for (const ManifestEntry& e : entries) {
    for (std::string_view folder : Folders(e.path)) {
      if (files.contains(folder)) {
        return InvalidArgument("manifest: " + Quoted(folder) + " is both a file and the folder of " + Quoted(e.path));
      }
    }
  }
  return Status::Ok();
}

Status CheckEntry(const ManifestEntry& e, size_t i) {
  std::string where = "entries[" + std::to_string(i) + "]";
  if (Status st = CheckManifestPath(e.path); !st.ok()) return InvalidArgument(where + ".path: " + st.message());
  if (!IsSha256Hex(e.sha256)) return InvalidArgument(where + ".sha256: expected 64 lowercase hex digits");
  return Status::Ok();
}

Result<ManifestEntry> EntryFromJson(const nlohmann::json& json, size_t i) {
  std::string where = "entries[" + std::to_string(i) + "].";
  if (!json.is_object()) return InvalidArgument("entries[" + std::to_string(i) + "]: expected an object");
  ManifestEntry e;
  ASSIGN_OR_RETURN(e.path, StringField(json, where, "path"));
  ASSIGN_OR_RETURN(e.size, UintField(json, where, "size"));
  ASSIGN_OR_RETURN(e.sha256, StringField(json, where, "sha256"));
  return e;
}

Result<DatasetKind> KindFromJson(const nlohmann::json& json) {
  ASSIGN_OR_RETURN(std::string kind, StringField(json, "", "kind"));
  if (kind == "file") return DatasetKind::kFile;
  if (kind == "directory") return DatasetKind::kDirectory;
  return InvalidArgument("kind: expected 'file' or 'directory', got " + Quoted(kind));
}

// "files" and "bytes" are derived; when present they must agree.
Status CheckTotals(const nlohmann::json& json, const DatasetManifest& m) {
  for (auto [name, want] : {std::pair{"files", uint64_t{m.entries.size()}}, std::pair{"bytes", m.bytes()}}) {
    if (!json.contains(name)) continue;
    ASSIGN_OR_RETURN(uint64_t got, UintField(json, "", name));
    if (got != want)
      return InvalidArgument(std::string(name) + ": " + std::to_string(got) + " does not match the entries (" +
                             std::to_string(want) + ")");
  }
  return Status::Ok();
}

}  // namespace

std::string_view DatasetKindName(DatasetKind kind) { return kind == DatasetKind::kFile ? "file" : "directory"; }

uint64_t DatasetManifest::bytes() const {
  uint64_t total = 0;
  for (const ManifestEntry& e : entries) total += e.size;
  return total;
}

const ManifestEntry* DatasetManifest::Find(std::string_view path) const {
  auto it = std::lower_bound(entries.begin(), entries.end(), path,
                             [](const ManifestEntry& e, std::string_view p) { return e.path < p; });
  return it != entries.end() && it->path == path ? &*it : nullptr;
}

std::string CanonicalManifestText(const DatasetManifest& manifest) {
  std::string text = "ferry-dataset-manifest 1\nkind ";
  text += DatasetKindName(manifest.kind);
  text += '\n';
  for (const ManifestEntry& e : manifest.entries) {
    text += e.sha256 + ' ' + std::to_string(e.size) + ' ' + e.path + '\n';
  }
  return text;
}

std::string ManifestDigest(const DatasetManifest& manifest) {
  Sha256 sha;
  sha.Update(CanonicalManifestText(manifest));
  return sha.HexDigest();
}

Status CheckManifestPath(std::string_view path) {
  if (path.empty()) return InvalidArgument("empty path");
  if (!IsValidUtf8(path) || HasControl(path)) {
    return InvalidArgument("path " + Quoted(path) + " is not valid UTF-8 or holds a control character");
  }
  if (path.front() == '/') return InvalidArgument("path " + Quoted(path) + " is absolute");
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    std::string_view segment = path.substr(start, slash - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return InvalidArgument("path " + Quoted(path) + " has an empty, '.' or '..' segment");
    }
    start = slash + 1;
  }
  return Status::Ok();
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Status ValidateManifest(const DatasetManifest& manifest) {
  const std::vector<ManifestEntry>& entries = manifest.entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    RETURN_IF_ERROR(CheckEntry(entries[i], i));
    if (i > 0 && !(entries[i - 1].path < entries[i].path)) {
      return InvalidArgument("entries[" + std::to_string(i) + "].path: " + Quoted(entries[i].path) +
                             " is out of order or repeated");
    }
  }
  if (manifest.kind == DatasetKind::kFile && (entries.size() != 1 || entries[0].path.find('/') != std::string::npos)) {
    return InvalidArgument("entries: a single-file dataset has exactly one entry, a name without '/'");
  }
  return CheckFoldersAreNotFiles(entries);
}

nlohmann::json ManifestToJson(const DatasetManifest& manifest) {
  nlohmann::json entries = nlohmann::json::array();
  for (const ManifestEntry& e : manifest.entries) {
    entries.push_back({{"path", e.path}, {"size", e.size}, {"sha256", e.sha256}});
  }
  return {{"format", kFormat},         {"kind", DatasetKindName(manifest.kind)},
          {"digest", manifest.digest}, {"files", manifest.entries.size()},
          {"bytes", manifest.bytes()}, {"entries", std::move(entries)}};
}

Result<DatasetManifest> ManifestFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return InvalidArgument("manifest: expected a JSON object");
  ASSIGN_OR_RETURN(uint64_t format, UintField(json, "", "format"));
  if (format != kFormat) return InvalidArgument("format: unsupported manifest format " + std::to_string(format));
  DatasetManifest m;
  ASSIGN_OR_RETURN(m.kind, KindFromJson(json));
  auto entries = json.find("entries");
  if (entries == json.end() || !entries->is_array()) return InvalidArgument("entries: expected an array");
  for (size_t i = 0; i < entries->size(); ++i) {
    ASSIGN_OR_RETURN(ManifestEntry e, EntryFromJson((*entries)[i], i));
    m.entries.push_back(std::move(e));
  }
  RETURN_IF_ERROR(ValidateManifest(m));
  RETURN_IF_ERROR(CheckTotals(json, m));
  ASSIGN_OR_RETURN(m.digest, StringField(json, "", "digest"));
  if (m.digest != ManifestDigest(m)) return InvalidArgument("digest: does not match the entries");
  return m;
}

}  // namespace ferry::datasets
