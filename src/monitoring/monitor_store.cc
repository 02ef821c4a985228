#include "monitoring/monitor_store.h"

#include <optional>

#include <openssl/evp.h>

namespace ferry::monitoring {

namespace {

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Unbase64(const std::string& text) {
  if (text.size() % 4 != 0) return InvalidArgument("stored profile: bad base64");
  std::string out(3 * (text.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return InvalidArgument("stored profile: bad base64");
  size_t padding = text.empty() ? 0 : (text.back() == '=') + (text.size() > 1 && text[text.size() - 2] == '=');
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

std::string EncodeProfile(const Profile& profile) { return Base64(SerializeProfile(profile)); }

Result<Profile> DecodeProfile(const std::string& text) {
  ASSIGN_OR_RETURN(std::string bytes, Unbase64(text));
  return ParseProfile(bytes);
}

Status MonitorStore::PutReference(const std::string& model, int64_t version, const Profile& profile,
                                  const std::string& sample_csv) {
  std::string encoded = EncodeProfile(profile);
  return db_.Write([&](store::SqlConnection& conn) {
    return conn
        .Execute(
            "INSERT INTO monitor_references (model, version, profile, sample, rows, created_time) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model, version) DO UPDATE SET profile = excluded.profile, "
            "sample = excluded.sample, rows = excluded.rows, created_time = excluded.created_time",
            {model, version, encoded, sample_csv, static_cast<int64_t>(profile.rows), clock_.NowMillis()})
        .status();
  });
}

Result<ReferenceInfo> MonitorStore::GetReference(const std::string& model, int64_t version) {
  std::string text;
  ReferenceInfo info;
  bool found = false;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT profile, rows, created_time FROM monitor_references WHERE model = ? AND version = ?",
                      {model, version}, [&](const store::Row& row) {
                        found = true;
                        text = row.GetText(0);
                        info.rows = row.GetInt(1);
                        info.created_ms = row.GetInt(2);
                        return Status::Ok();
                      });
  }));
  if (!found) {
    return NotFound("model '" + model + "' version " + std::to_string(version) + " has no reference data");
  }
  ASSIGN_OR_RETURN(info.profile, DecodeProfile(text));
  return info;
}

Result<std::string> MonitorStore::GetReferenceSample(const std::string& model, int64_t version) {
  std::optional<std::string> sample;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT sample FROM monitor_references WHERE model = ? AND version = ?", {model, version},
                      [&](const store::Row& row) {
                        sample = row.GetText(0);
                        return Status::Ok();
                      });
  }));
  if (!sample) return NotFound("model '" + model + "' version " + std::to_string(version) + " has no reference data");
  return *sample;
}

Status MonitorStore::MergeWindow(store::SqlConnection& conn, const WindowUpdate& w) {
  std::optional<std::string> stored;
  RETURN_IF_ERROR(conn.Query(
      "SELECT profile FROM monitor_windows WHERE deployment = ? AND window_start = ? AND model = ? AND version = ?",
      {w.key.deployment, w.key.start_ms, w.key.model, w.key.version}, [&](const store::Row& row) {
        stored = row.GetText(0);
        return Status::Ok();
      }));
  Profile merged = w.profile;
  if (stored) {
    ASSIGN_OR_RETURN(merged, DecodeProfile(*stored));
    // A reference uploaded mid-window changes kinds and edges: the newer
    // values of such a column win.
    RETURN_IF_ERROR(MergeInto(&merged, w.profile, OnConflict::kReplace));
  }
  return conn
      .Execute(
          "INSERT INTO monitor_windows (deployment, model, version, window_start, window_end, rows, profile) "
          "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (deployment, window_start, model, version) DO UPDATE SET "
          "window_end = excluded.window_end, rows = excluded.rows, profile = excluded.profile",
          {w.key.deployment, w.key.model, w.key.version, w.key.start_ms, merged.end_ms,
           static_cast<int64_t>(merged.rows), EncodeProfile(merged)})
      .status();
}

Status MonitorStore::AddWindows(const std::vector<WindowUpdate>& windows, const std::vector<CursorUpdate>& cursors) {
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    for (const WindowUpdate& w : windows) RETURN_IF_ERROR(MergeWindow(conn, w));
    for (const CursorUpdate& c : cursors) {
      RETURN_IF_ERROR(conn.Execute("INSERT INTO monitor_cursors (path, position) VALUES (?, ?) ON CONFLICT (path) "
                                   "DO UPDATE SET position = excluded.position",
                                   {c.path, c.position})
                          .status());
    }
    return Status::Ok();
  });
}

Result<int64_t> MonitorStore::Cursor(const std::string& path) {
  int64_t position = 0;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT position FROM monitor_cursors WHERE path = ?", {path}, [&](const store::Row& row) {
      position = row.GetInt(0);
      return Status::Ok();
    });
  }));
  return position;
}

Result<std::vector<WindowInfo>> MonitorStore::ListWindows(const std::string& deployment, int64_t from_ms,
                                                          int64_t to_ms) {
  std::vector<WindowInfo> out;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(
        "SELECT model, version, window_start, window_end, rows FROM monitor_windows WHERE deployment = ? AND "
        "window_start >= ? AND window_start < ? ORDER BY window_start, model, version",
        {deployment, from_ms, to_ms}, [&](const store::Row& row) {
          out.push_back({row.GetText(0), row.GetInt(1), row.GetInt(2), row.GetInt(3), row.GetInt(4)});
          return Status::Ok();
        });
  }));
  return out;
}

Result<std::vector<std::pair<WindowInfo, Profile>>> MonitorStore::WindowProfiles(const std::string& deployment,
                                                                                 const std::string& model,
                                                                                 int64_t version, int64_t from_ms,
                                                                                 int64_t to_ms) {
  std::vector<std::pair<WindowInfo, std::string>> stored;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(
        "SELECT window_start, window_end, rows, profile FROM monitor_windows WHERE deployment = ? AND model = ? "
        "AND version = ? AND window_start >= ? AND window_start < ? ORDER BY window_start",
        {deployment, model, version, from_ms, to_ms}, [&](const store::Row& row) {
          stored.push_back({{model, version, row.GetInt(0), row.GetInt(1), row.GetInt(2)}, row.GetText(3)});
          return Status::Ok();
        });
  }));
  std::vector<std::pair<WindowInfo, Profile>> out;
  for (auto& [info, text] : stored) {
    ASSIGN_OR_RETURN(Profile profile, DecodeProfile(text));
    out.emplace_back(std::move(info), std::move(profile));
  }
  return out;
}

Result<Profile> MonitorStore::MergedWindows(const std::string& deployment, const std::string& model,
                                            int64_t version, int64_t from_ms, int64_t to_ms) {
  ASSIGN_OR_RETURN(auto windows, WindowProfiles(deployment, model, version, from_ms, to_ms));
  if (windows.empty()) {
    return NotFound("deployment '" + deployment + "' has no monitored data for " + model + " version " +
                    std::to_string(version) + " in that time range");
  }
  Profile merged;
  for (const auto& [info, window] : windows) RETURN_IF_ERROR(MergeInto(&merged, window, OnConflict::kReplace));
  return merged;
}

}  // namespace ferry::monitoring
