// The content-addressed store of dataset files, and getting a dataset
// version back out of it.
//
// Layout: each distinct file content once, at
//     <cas_root>/sha256/<first 2 hex digits>/<other 62 hex digits>
// read-only (0444), so that the hard links Materialize makes cannot be
// edited in place and corrupt the store. A blob is written under a temporary
// name in its own folder, hashed while it is copied, fsynced, and renamed
// into place (then its folder fsynced): a blob present is always whole and
// matches its name, and concurrent writers of the same blob (threads or
// processes) are harmless. Blobs are never deleted here.
//
// Thread-safe: every function may run concurrently, on the same store too.
#pragma once

#include <string>

#include "core/status.h"
#include "pipelines/datasets/dataset_manifest.h"

namespace ferry::datasets {

// Where the blob of `sha256` (64 hex digits) lives.
std::string BlobPath(const std::string& cas_root, const std::string& sha256);

// Copies every file of `manifest` from `source_path` (the file or folder
// that was scanned) into the store, each content once; files whose blob is
// already present are not read again. A file whose size or hash no longer
// matches the manifest (changed since the scan) is refused with
// FailedPrecondition naming it, and its temporary copy removed; blobs
// completed before a failure stay (they are valid). InvalidArgument for a
// manifest that fails ValidateManifest or a source file that now escapes
// the root (see dataset_snapshot.h).
Status StoreBlobs(const DatasetManifest& manifest, const std::string& source_path, const std::string& cas_root);

struct MaterializeOptions {
  bool hard_links = true;  // else (and when linking fails, e.g. across devices) copy
};

// Recreates the dataset at `dest`: for a single-file dataset the file
// `dest`, for a directory the folder `dest` (which may exist only as an
// empty folder). The tree is built in a temporary sibling of `dest` and
// renamed into place, so `dest` ends up complete or untouched.
// InvalidArgument for an unsafe manifest path ("../x", "/etc/passwd",
// "a//b"); NotFound naming the file whose blob is missing; AlreadyExists
// when `dest` exists (a non-empty folder, or any file); Internal when a
// copied blob does not match its hash.
Status Materialize(const DatasetManifest& manifest, const std::string& cas_root, const std::string& dest,
                   const MaterializeOptions& options = {});

}  // namespace ferry::datasets
