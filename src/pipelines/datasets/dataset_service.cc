#include "pipelines/datasets/dataset_service.h"

#include <filesystem>

#include "pipelines/datasets/dataset_blobs.h"
#include "pipelines/datasets/dataset_manifest.h"
#include "pipelines/datasets/dataset_profile.h"
#include "pipelines/datasets/dataset_snapshot.h"

namespace ferry::datasets {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

bool IsDatasetName(const std::string& s) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

constexpr const char* kColumns = "name, version, digest, source, description, manifest, created_time";

// The counts come from the manifest's JSON ("files", "bytes").
DatasetVersion FromRow(const store::Row& row) {
  DatasetVersion v;
  v.name = row.GetText(0);
  v.version = row.GetInt(1);
  v.digest = row.GetText(2);
  v.source = row.GetText(3);
  v.description = row.GetText(4);
  Json manifest = Json::parse(row.GetText(5), nullptr, false);
  if (manifest.is_object()) {
    v.files = manifest.value("files", uint64_t{0});
    v.bytes = manifest.value("bytes", uint64_t{0});
  }
  v.created_ms = row.GetInt(6);
  return v;
}

}  // namespace

Result<std::vector<DatasetVersion>> DatasetService::Query(const std::string& where, const store::SqlParams& params) {
  std::vector<DatasetVersion> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(std::string("SELECT ") + kColumns + " FROM dataset_versions " + where, params,
                      [&](const store::Row& row) {
      out.push_back(FromRow(row));
      return Status::Ok();
    });
  }));
  return out;
}

Result<Registered> DatasetService::Register(const std::string& name, const std::string& path,
                                            const std::string& description) {
  if (!IsDatasetName(name)) return InvalidArgument("name: must be 1-128 of [A-Za-z0-9_.-], got '" + name.substr(0, 64) + "'");
  if (path.empty() || !fs::path(path).is_absolute()) {
    return InvalidArgument("path: must be an absolute path on the server, got '" + path.substr(0, 256) + "'");
  }
  if (description.size() > 4096) return InvalidArgument("description: longer than 4096 bytes");
  ASSIGN_OR_RETURN(DatasetManifest manifest, ScanDataset(path));
  ASSIGN_OR_RETURN(auto latest, Query("WHERE name = ? ORDER BY version DESC LIMIT 1", {name}));
  if (!latest.empty() && latest[0].digest == manifest.digest) return Registered{latest[0], false};
  RETURN_IF_ERROR(StoreBlobs(manifest, path, cas_root_));
  ASSIGN_OR_RETURN(DatasetProfile profile, ProfileStoredDataset(manifest, cas_root_, {}));
  DatasetVersion v;
  v.name = name;
  v.digest = manifest.digest;
  v.source = path;
  v.description = description;
  v.files = manifest.entries.size();
  v.bytes = manifest.bytes();
  v.created_ms = clock_.NowMillis();
  std::string manifest_json = ManifestToJson(manifest).dump();
  std::string profile_json = DatasetProfileToJson(profile).dump(-1, ' ', false, Json::error_handler_t::replace);
  bool duplicate = false;
  RETURN_IF_ERROR(db_.Write([&](store::SqlConnection& conn) -> Status {
    // Again inside the transaction: a registration of the same content may have landed meanwhile.
    std::string latest_digest;
    RETURN_IF_ERROR(conn.Query("SELECT digest FROM dataset_versions WHERE name = ? ORDER BY version DESC LIMIT 1",
                               {name}, [&](const store::Row& row) {
                                 latest_digest = row.GetText(0);
                                 return Status::Ok();
                               }));
    if (latest_digest == v.digest) {
      duplicate = true;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(v.version, store::QueryInt(conn, "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions "
                                                      "WHERE name = ?",
                                                {name}));
    return conn
        .Execute("INSERT INTO dataset_versions (name, version, digest, source, description, manifest, profile, "
                 "created_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 {name, v.version, v.digest, v.source, v.description, manifest_json, profile_json, v.created_ms})
        .status();
  }));
  if (duplicate) {
    ASSIGN_OR_RETURN(auto now_latest, Query("WHERE name = ? ORDER BY version DESC LIMIT 1", {name}));
    return Registered{now_latest.at(0), false};
  }
  if (on_new_) on_new_(v);
  return Registered{v, true};
}

Result<std::vector<DatasetVersion>> DatasetService::Datasets() {
  return Query("WHERE version = (SELECT MAX(version) FROM dataset_versions d WHERE d.name = dataset_versions.name) "
               "ORDER BY name",
               {});
}

Result<std::vector<DatasetVersion>> DatasetService::Versions(const std::string& name) {
  ASSIGN_OR_RETURN(auto out, Query("WHERE name = ? ORDER BY version DESC", {name}));
  if (out.empty()) return NotFound("dataset '" + name + "' not found");
  return out;
}

Result<DatasetDetail> DatasetService::Version(const std::string& name, int64_t version) {
  std::string where = version > 0 ? "WHERE name = ? AND version = ?" : "WHERE name = ? ORDER BY version DESC LIMIT 1";
  store::SqlParams params = {name};
  if (version > 0) params.push_back(version);
  std::optional<DatasetDetail> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(std::string("SELECT ") + kColumns + ", profile FROM dataset_versions " + where, params,
                      [&](const store::Row& row) {
                        out = DatasetDetail{FromRow(row), Json::parse(row.GetText(5), nullptr, false),
                                            Json::parse(row.GetText(7), nullptr, false)};
                        return Status::Ok();
                      });
  }));
  if (!out) {
    return NotFound("dataset '" + name + "'" + (version > 0 ? " has no version " + std::to_string(version) : " not found"));
  }
  if (out->manifest.is_discarded() || out->profile.is_discarded()) return Internal("stored dataset version is not JSON");
  return *out;
}

Result<DatasetDiff> DatasetService::Diff(const std::string& name, int64_t a, int64_t b) {
  ASSIGN_OR_RETURN(DatasetDetail da, Version(name, a));
  ASSIGN_OR_RETURN(DatasetDetail db, Version(name, b));
  ASSIGN_OR_RETURN(DatasetManifest ma, ManifestFromJson(da.manifest));
  ASSIGN_OR_RETURN(DatasetManifest mb, ManifestFromJson(db.manifest));
  ASSIGN_OR_RETURN(DatasetProfile pa, DatasetProfileFromJson(da.profile));
  ASSIGN_OR_RETURN(DatasetProfile pb, DatasetProfileFromJson(db.profile));
  return DiffDatasets(ma, pa, mb, pb);
}

Status DatasetService::Materialize(const std::string& name, int64_t version, const std::string& dest) {
  ASSIGN_OR_RETURN(DatasetDetail d, Version(name, version));
  ASSIGN_OR_RETURN(DatasetManifest m, ManifestFromJson(d.manifest));
  return datasets::Materialize(m, cas_root_, dest);
}

}  // namespace ferry::datasets
