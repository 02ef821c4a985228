// DatasetManifest: what one dataset version is made of — its files by
// relative path, size and SHA-256 — and the dataset digest that names it.
//
// The digest is the lowercase hex SHA-256 of this canonical text (UTF-8,
// every line ending in one "\n", no other whitespace):
//
//     ferry-dataset-manifest 1
//     kind <file|directory>
//     <sha256> <size> <path>        one line per file, sorted by path
//
// where <sha256> is the file's 64 lowercase hex digits, <size> its length in
// bytes in decimal without leading zeros, and <path> its path relative to the
// dataset root with '/' separators (a single-file dataset: the file's name).
// Paths are sorted by their UTF-8 bytes (unsigned), which is code point
// order: Python's `sorted(paths)` on str gives the same order. Example:
//
//     text = "ferry-dataset-manifest 1\nkind directory\n" + "".join(
//         f"{sha} {size} {path}\n" for path, size, sha in sorted(entries))
//     digest = hashlib.sha256(text.encode()).hexdigest()
//
// The kind line makes a single file's digest differ from that of a directory
// holding only that file; the paths make a rename a new digest. Empty
// directories are not recorded (as in git).
//
// A manifest path is never empty, absolute, nor holds an empty, "." or ".."
// segment, a control character (U+0000-U+001F, U+007F) or malformed UTF-8;
// no path is both a file and the folder of another (ValidateManifest).
//
// JSON form (ManifestToJson):
//   {"format": 1, "kind": "directory", "digest": "<hex>", "files": 2,
//    "bytes": 30, "entries": [{"path": "a/x.csv", "size": 10,
//    "sha256": "<hex>"}, ...]}
// ManifestFromJson checks every field (errors name it, e.g.
// "entries[2].sha256"), the order, and that "digest" (and "files" and
// "bytes") match the entries.
//
// Value types and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::datasets {

enum class DatasetKind { kFile, kDirectory };

std::string_view DatasetKindName(DatasetKind kind);

struct ManifestEntry {
  std::string path;    // relative, '/'-separated
  uint64_t size = 0;   // bytes
  std::string sha256;  // 64 lowercase hex digits

  bool operator==(const ManifestEntry&) const = default;
};

struct DatasetManifest {
  DatasetKind kind = DatasetKind::kDirectory;
  std::vector<ManifestEntry> entries;  // sorted by path, unique
  std::string digest;                  // ManifestDigest(*this)

  uint64_t bytes() const;
  const ManifestEntry* Find(std::string_view path) const;
};

// The canonical text above, and its SHA-256 (hex).
std::string CanonicalManifestText(const DatasetManifest& manifest);
std::string ManifestDigest(const DatasetManifest& manifest);

// InvalidArgument naming the path when it is not a safe relative path (see
// the file comment): guards against path traversal ("../x", "/etc/passwd",
// "a//b").
Status CheckManifestPath(std::string_view path);

// Every path safe, sorted and unique, no file that is also a folder, hashes
// as 64 lowercase hex digits, a single-file manifest with one entry and no
// '/'. Does not check `digest`.
Status ValidateManifest(const DatasetManifest& manifest);

bool IsSha256Hex(std::string_view s);

nlohmann::json ManifestToJson(const DatasetManifest& manifest);
Result<DatasetManifest> ManifestFromJson(const nlohmann::json& json);

}  // namespace ferry::datasets
