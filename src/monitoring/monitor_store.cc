#include "monitoring/monitor_store.h"

#include <algorithm>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include "core/base64.h"

namespace ferry::monitoring {

namespace {

std::string Base64(const std::string& bytes) { return Base64Encode(bytes); }

Result<std::string> Unbase64(const std::string& text) {
  std::optional<std::string> out = Base64Decode(text);
  if (!out) return InvalidArgument("stored profile: bad base64");
  return *out;
}

// Rows per multi-row INSERT (well under both engines' parameter limits).
constexpr size_t kRowsPerInsert = 100;

// "(?, …), (?, …)…": `rows` groups of `columns` placeholders.
std::string ValuesList(size_t rows, size_t columns) {
  std::string group = store::InList(columns);
  std::string out;
  for (size_t r = 0; r < rows; ++r) out += (r ? ", " : "") + group;
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

Status MonitorStore::IndexPredictions(store::SqlConnection& conn, const std::vector<PredictionRow>& predictions) {
  for (size_t start = 0; start < predictions.size(); start += kRowsPerInsert) {
    size_t n = std::min(kRowsPerInsert, predictions.size() - start);
    store::SqlParams params;
    params.reserve(n * 8);
    for (size_t i = start; i < start + n; ++i) {
      const PredictionRow& p = predictions[i];
      params.insert(params.end(), {p.deployment, p.prediction_id, p.model, p.version, p.role, p.time_ms, p.rows,
                                   p.outputs});
    }
    RETURN_IF_ERROR(conn.Execute("INSERT INTO monitor_predictions (deployment, prediction_id, model, version, role, "
                                 "time, rows, outputs) VALUES " +
                                     ValuesList(n, 8) + " ON CONFLICT DO NOTHING",
                                 params)
                        .status());
  }
  return Status::Ok();
}

Status MonitorStore::AddWindows(const std::vector<WindowUpdate>& windows, const std::vector<PredictionRow>& predictions,
                                const std::vector<CursorUpdate>& cursors) {
  return db_.Write([&](store::SqlConnection& conn) -> Status {
    for (const WindowUpdate& w : windows) RETURN_IF_ERROR(MergeWindow(conn, w));
    RETURN_IF_ERROR(IndexPredictions(conn, predictions));
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

Result<LabelCounts> MonitorStore::AddLabels(const std::string& deployment, const std::vector<LabelEntry>& labels) {
  LabelCounts counts;
  int64_t now = clock_.NowMillis();
  RETURN_IF_ERROR(db_.Write([&](store::SqlConnection& conn) -> Status {
    counts = {};
    std::set<std::string> ids;
    for (const LabelEntry& l : labels) ids.insert(l.prediction_id);
    std::vector<std::string> id_list(ids.begin(), ids.end());
    std::set<std::string> indexed;
    for (size_t start = 0; start < id_list.size(); start += kRowsPerInsert) {
      size_t n = std::min(kRowsPerInsert, id_list.size() - start);
      store::SqlParams params{deployment};
      params.insert(params.end(), id_list.begin() + start, id_list.begin() + start + n);
      RETURN_IF_ERROR(conn.Query(
          "SELECT DISTINCT prediction_id FROM monitor_predictions WHERE deployment = ? AND prediction_id IN " +
              store::InList(n),
          params, [&](const store::Row& row) {
            indexed.insert(row.GetText(0));
            return Status::Ok();
          }));
    }
    for (size_t start = 0; start < labels.size(); start += kRowsPerInsert) {
      size_t n = std::min(kRowsPerInsert, labels.size() - start);
      store::SqlParams params;
      for (size_t i = start; i < start + n; ++i) {
        params.insert(params.end(), {deployment, labels[i].prediction_id, labels[i].row, labels[i].label, now});
      }
      RETURN_IF_ERROR(conn.Execute("INSERT INTO monitor_labels (deployment, prediction_id, row_index, label, "
                                   "received_time) VALUES " +
                                       ValuesList(n, 5) +
                                       " ON CONFLICT (deployment, prediction_id, row_index) DO UPDATE SET "
                                       "label = excluded.label, received_time = excluded.received_time",
                                   params)
                          .status());
    }
    counts.accepted = static_cast<int64_t>(labels.size());
    counts.matched = std::count_if(labels.begin(), labels.end(),
                                   [&](const LabelEntry& l) { return indexed.count(l.prediction_id) > 0; });
    return Status::Ok();
  }));
  return counts;
}

Result<std::vector<LabelledPrediction>> MonitorStore::LabelledPredictions(const std::string& deployment,
                                                                          const std::string& model, int64_t version,
                                                                          int64_t from_ms, int64_t to_ms) {
  std::vector<LabelledPrediction> out;
  std::string sql =
      "SELECT p.prediction_id, p.model, p.version, p.role, p.time, p.rows, p.outputs, l.row_index, l.label, "
      "l.received_time FROM monitor_labels l JOIN monitor_predictions p ON p.deployment = l.deployment AND "
      "p.prediction_id = l.prediction_id WHERE l.deployment = ? AND p.time >= ? AND p.time < ?";
  store::SqlParams params{deployment, from_ms, to_ms};
  if (!model.empty()) {
    sql += " AND p.model = ? AND p.version = ?";
    params.insert(params.end(), {model, version});
  }
  sql += " ORDER BY p.time, p.prediction_id, p.model, p.version, l.row_index";
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query(sql, params, [&](const store::Row& row) {
      LabelledPrediction& p = out.emplace_back();
      p.prediction_id = row.GetText(0);
      p.model = row.GetText(1);
      p.version = row.GetInt(2);
      p.role = row.GetText(3);
      p.time_ms = row.GetInt(4);
      p.rows = row.GetInt(5);
      if (out.size() < 2 || out[out.size() - 2].prediction_id != p.prediction_id ||
          out[out.size() - 2].model != p.model || out[out.size() - 2].version != p.version) {
        p.outputs = row.GetText(6);  // the rows of one request share the text: kept once, on the first
      }
      p.row = row.GetInt(7);
      p.label = row.GetText(8);
      p.received_ms = row.GetInt(9);
      return Status::Ok();
    });
  }));
  return out;
}

Result<int64_t> MonitorStore::UnmatchedLabels(const std::string& deployment, int64_t from_ms, int64_t to_ms) {
  int64_t n = 0;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(n, store::QueryInt(conn,
                                        "SELECT COUNT(*) FROM monitor_labels l WHERE l.deployment = ? AND "
                                        "l.received_time >= ? AND l.received_time < ? AND NOT EXISTS (SELECT 1 FROM "
                                        "monitor_predictions p WHERE p.deployment = l.deployment AND "
                                        "p.prediction_id = l.prediction_id)",
                                        {deployment, from_ms, to_ms}));
    return Status::Ok();
  }));
  return n;
}

Result<std::string> MonitorStore::OutputName(const std::string& deployment, const std::string& model,
                                             int64_t version) {
  std::string outputs;
  RETURN_IF_ERROR(db_.Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT outputs FROM monitor_predictions WHERE deployment = ? AND model = ? AND version = ? "
                      "ORDER BY time DESC LIMIT 1",
                      {deployment, model, version}, [&](const store::Row& row) {
                        outputs = row.GetText(0);
                        return Status::Ok();
                      });
  }));
  nlohmann::json j = nlohmann::json::parse(outputs, nullptr, false);
  return j.is_object() && !j.empty() ? j.begin().key() : std::string();
}

}  // namespace ferry::monitoring
