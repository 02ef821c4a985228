// ScanDataset: a file or a directory tree → its DatasetManifest (each file's
// relative path, size and SHA-256, and the dataset digest; the canonical
// form is in dataset_manifest.h). Files are hashed streaming, 1 MiB at a
// time, never whole in memory.
//
// What a scan refuses (InvalidArgument naming the path), so that a hostile
// tree can neither leak files from elsewhere nor make the scan run forever:
//   - a symlink whose target (fully resolved) is outside the root, is a
//     directory, or is not a regular file; a symlink to a regular file
//     inside the root is recorded as a file with the target's content;
//   - special files: fifos, sockets, character and block devices;
//   - names that are not valid UTF-8 or hold a control character (newlines
//     included: the canonical text is line-based);
//   - more than ScanLimits::max_files files, paths more than max_depth
//     segments deep or longer than max_path_bytes.
// Directories are opened without following symlinks (openat, O_NOFOLLOW),
// so nothing outside the root is read unless a symlink's target is swapped
// between its check and its open; StoreBlobs re-checks every hash, and a
// tree that changes while it is scanned gives a digest of no single moment.
// The root itself may be a symlink: it is what the caller named.
//
// Thread-safe (no shared state); scans of different trees may run in
// parallel.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "pipelines/datasets/dataset_manifest.h"

namespace ferry::datasets {

struct ScanLimits {
  uint64_t max_files = 1'000'000;
  int max_depth = 64;            // segments in a relative path
  size_t max_path_bytes = 4096;  // bytes in a relative path
};

// NotFound when `path` does not exist; InvalidArgument for the refusals
// above or when it is neither a regular file nor a directory.
Result<DatasetManifest> ScanDataset(const std::string& path, const ScanLimits& limits = {});

}  // namespace ferry::datasets
