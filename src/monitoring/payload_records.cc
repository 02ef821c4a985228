#include "monitoring/payload_records.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "monitoring/window_profiler.h"

namespace ferry::monitoring {

namespace {

namespace od = simdjson::ondemand;

struct Value {
  enum Kind : uint8_t { kNumber, kString, kNull } kind = kNull;
  double number = 0;
  std::string_view text;
};

struct TensorData {
  std::string name;
  std::vector<Value> values;
  std::vector<int64_t> shape;
};

struct RecordHead {
  std::string deployment, model;
  int64_t version = 0;
  int64_t time_ms = 0;
  std::string prediction_id, role;  // empty when absent
};

using Key = std::tuple<std::string, std::string, int64_t, int64_t>;  // deployment, model, version, hour

bool ReadValue(od::value v, Value* out) {
  od::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case od::json_type::number:
      out->kind = Value::kNumber;
      return !v.get_double().get(out->number);
    case od::json_type::string:
      out->kind = Value::kString;
      return !v.get_string().get(out->text);
    case od::json_type::boolean: {
      bool b = false;
      out->kind = Value::kNumber;
      if (v.get_bool().get(b)) return false;
      out->number = b ? 1 : 0;
      return true;
    }
    case od::json_type::null:
      out->kind = Value::kNull;
      return true;
    default:
      return false;
  }
}

bool ReadTensor(std::string_view name, od::object tensor, TensorData* out) {
  out->name = std::string(name);
  out->values.clear();
  out->shape.clear();
  for (auto field : tensor) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "data") {
      od::array data;
      if (field.value().get_array().get(data)) return false;
      for (auto element : data) {
        od::value v;
        if (element.get(v) || !ReadValue(v, &out->values.emplace_back())) return false;
      }
    } else if (key == "shape") {
      od::array shape;
      if (field.value().get_array().get(shape)) return false;
      for (auto dim : shape) {
        int64_t d = 0;
        if (dim.get_int64().get(d) || d < 0) return false;
        out->shape.push_back(d);
      }
    }
  }
  return true;
}

// Reads the tensors of "inputs" or "outputs" into `tensors` (reusing slots).
bool ReadTensors(od::document& doc, std::string_view which, std::vector<TensorData>* tensors, size_t* used) {
  od::object group;
  if (doc.find_field_unordered(which).get_object().get(group)) return false;
  for (auto field : group) {
    std::string_view name;
    od::object tensor;
    if (field.unescaped_key().get(name) || field.value().get_object().get(tensor)) return false;
    if (*used == tensors->size()) tensors->emplace_back();
    if (!ReadTensor(name, tensor, &(*tensors)[(*used)++])) return false;
  }
  return true;
}

bool ReadHead(od::document& doc, RecordHead* head) {
  std::string_view deployment, model;
  if (doc.find_field_unordered("deployment").get_string().get(deployment)) return false;
  if (doc.find_field_unordered("model").get_string().get(model)) return false;
  if (doc.find_field_unordered("time").get_int64().get(head->time_ms)) return false;
  if (doc.find_field_unordered("version").get_int64().get(head->version)) return false;
  head->deployment = std::string(deployment);
  head->model = std::string(model);
  // Copied: rewinding reuses simdjson's string buffer.
  std::string_view id, role;
  head->prediction_id = doc.find_field_unordered("prediction_id").get_string().get(id) ? "" : std::string(id);
  head->role = doc.find_field_unordered("role").get_string().get(role) ? "" : std::string(role);
  doc.rewind();
  return true;
}

// The column names of a [n, k] tensor: the reference's columns not named
// after a tensor of the record, when there are exactly k of them.
std::vector<std::string> ColumnNames(const TensorData& t, size_t k, const std::vector<TensorData>& tensors,
                                     size_t used, const Profile* reference) {
  std::vector<std::string> names;
  if (k == 1) return {t.name};
  if (reference) {
    for (const ColumnProfile& c : reference->columns) {
      bool is_tensor = false;
      for (size_t i = 0; i < used; ++i) is_tensor = is_tensor || tensors[i].name == c.name;
      if (!is_tensor) names.push_back(c.name);
    }
  }
  if (names.size() == k) return names;
  names.clear();
  for (size_t i = 0; i < k; ++i) names.push_back(t.name + "[" + std::to_string(i) + "]");
  return names;
}

// Feeds one tensor's values into the window, column by column.
void AddTensor(const TensorData& t, const std::vector<std::string>& names, WindowProfiler* window) {
  size_t k = names.size();
  std::vector<size_t> columns(k, SIZE_MAX);
  for (size_t i = 0; i < t.values.size(); ++i) {
    const Value& v = t.values[i];
    size_t c = i % k;
    if (columns[c] == SIZE_MAX) columns[c] = window->Column(names[c], v.kind != Value::kString);
    if (v.kind == Value::kNumber) {
      window->AddNumber(columns[c], v.number);
    } else if (v.kind == Value::kString) {
      window->AddString(columns[c], v.text);
    } else {
      window->AddMissing(columns[c]);
    }
  }
}

// Rows of a tensor and values per row; false when the data does not fit.
bool Layout(const TensorData& t, uint64_t* rows, size_t* per_row) {
  uint64_t n = t.shape.empty() ? 1 : static_cast<uint64_t>(t.shape[0]);
  uint64_t k = 1;
  for (size_t d = 1; d < t.shape.size(); ++d) k *= static_cast<uint64_t>(t.shape[d]);
  if (k == 0 || n * k != t.values.size()) return false;
  *rows = n;
  *per_row = static_cast<size_t>(k);
  return true;
}

// Appends tensors as the log's JSON object: {name: {"shape", "data"}}.
void AppendTensorsJson(const TensorData* tensors, size_t count, std::string* out) {
  auto text = [](std::string_view s) {
    return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  *out += '{';
  for (size_t i = 0; i < count; ++i) {
    const TensorData& t = tensors[i];
    if (i) *out += ',';
    *out += text(t.name) + ":{\"shape\":[";
    for (size_t d = 0; d < t.shape.size(); ++d) *out += (d ? "," : "") + std::to_string(t.shape[d]);
    *out += "],\"data\":[";
    for (size_t v = 0; v < t.values.size(); ++v) {
      if (v) *out += ',';
      const Value& value = t.values[v];
      if (value.kind == Value::kNumber) {
        char buffer[32];
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value.number);
        *out += ec == std::errc() ? std::string_view(buffer, end - buffer) : std::string_view("null");
      } else if (value.kind == Value::kString) {
        *out += text(value.text);
      } else {
        *out += "null";
      }
    }
    *out += "]}";
  }
  *out += '}';
}

class Profiler {
 public:
  Profiler(const ReferenceLookup& reference_of, IngestStats* stats, int64_t window_ms)
      : reference_of_(reference_of), stats_(stats), window_ms_(window_ms) {}

  void Line(od::parser& parser, const char* data, size_t length, size_t capacity) {
    od::document doc;
    RecordHead head;
    used_ = 0;
    bool ok = !parser.iterate(data, length, capacity).get(doc) && ReadHead(doc, &head) &&
              ReadTensors(doc, "inputs", &tensors_, &used_);
    size_t inputs = used_;  // the tensors after these are outputs
    if (!ok || !ReadTensors(doc, "outputs", &tensors_, &used_)) {
      ++stats_->skipped_lines;
      return;
    }
    std::vector<uint64_t> rows(used_);
    std::vector<size_t> per_row(used_);
    for (size_t i = 0; i < used_; ++i) {
      if (!Layout(tensors_[i], &rows[i], &per_row[i])) {
        ++stats_->skipped_lines;
        return;
      }
    }
    if (head.model != last_model_ || head.version != last_version_) {
      last_reference_ = reference_of_(head.model, head.version);
      last_model_ = head.model;
      last_version_ = head.version;
    }
    const Profile* reference = last_reference_;
    WindowProfiler& window = WindowFor(head, reference);
    uint64_t record_rows = 0;
    const std::vector<std::vector<std::string>>& names = NamesFor(per_row, reference);
    for (size_t i = 0; i < used_; ++i) {
      AddTensor(tensors_[i], names[i], &window);
      record_rows = std::max(record_rows, rows[i]);
    }
    window.AddRows(record_rows);
    ++stats_->records;
    stats_->rows += record_rows;
    if (!head.prediction_id.empty()) {
      PredictionRow& p = predictions_.emplace_back();
      p.deployment = head.deployment;
      p.prediction_id = head.prediction_id;
      p.model = head.model;
      p.version = head.version;
      p.role = head.role;
      p.time_ms = head.time_ms;
      p.rows = static_cast<int64_t>(record_rows);
      AppendTensorsJson(tensors_.data() + inputs, used_ - inputs, &p.outputs);
    }
  }

  ProfiledLines Finish() {
    ProfiledLines out;
    for (auto& [key, window] : windows_) {
      auto& [deployment, model, version, start] = key;
      out.windows.push_back({{deployment, model, version, start}, window.Take()});
    }
    out.predictions = std::move(predictions_);
    stats_->windows += out.windows.size();
    return out;
  }

 private:
  // Each tensor's column names: the same for every record with the same
  // tensors, widths and reference, so they are worked out once.
  const std::vector<std::vector<std::string>>& NamesFor(const std::vector<size_t>& per_row,
                                                        const Profile* reference) {
    signature_.clear();
    for (size_t i = 0; i < used_; ++i) {
      signature_ += tensors_[i].name;
      signature_ += '\0';
      signature_ += std::to_string(per_row[i]);
      signature_ += '\0';
    }
    auto it = names_.find(signature_);
    if (it == names_.end()) it = names_.emplace(signature_, NameCache{}).first;
    NameCache& cache = it->second;
    if (cache.names.empty() || cache.reference != reference) {
      cache.reference = reference;
      cache.names.clear();
      for (size_t i = 0; i < used_; ++i) {
        cache.names.push_back(ColumnNames(tensors_[i], per_row[i], tensors_, used_, reference));
      }
    }
    return cache.names;
  }

  WindowProfiler& WindowFor(const RecordHead& head, const Profile* reference) {
    int64_t start = WindowStart(head.time_ms, window_ms_);
    Key key{head.deployment, head.model, head.version, start};
    auto [it, added] = windows_.try_emplace(key, reference);
    if (added) it->second.SetWindow(start, start + window_ms_);
    return it->second;
  }

  const ReferenceLookup& reference_of_;
  IngestStats* stats_;
  const int64_t window_ms_;
  std::map<Key, WindowProfiler> windows_;
  std::vector<PredictionRow> predictions_;
  std::vector<TensorData> tensors_;  // reused across records
  size_t used_ = 0;
  struct NameCache {
    const Profile* reference = nullptr;
    std::vector<std::vector<std::string>> names;  // per tensor of the record
  };
  std::string signature_;  // the current record's tensor names and widths
  std::map<std::string, NameCache, std::less<>> names_;
  std::string last_model_;  // the reference of the previous record's version
  int64_t last_version_ = -1;
  const Profile* last_reference_ = nullptr;
};

}  // namespace

ProfiledLines ProfileRecords(std::string_view lines, const ReferenceLookup& reference_of, IngestStats* stats,
                             int64_t window_ms) {
  // simdjson reads up to SIMDJSON_PADDING bytes past a document: parse from
  // a padded copy so every line has readable bytes after it.
  simdjson::padded_string padded(lines);
  od::parser parser;
  Profiler profiler(reference_of, stats, window_ms);
  const char* base = padded.data();
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string_view::npos) end = lines.size();
    if (end > start) profiler.Line(parser, base + start, end - start, padded.size() + simdjson::SIMDJSON_PADDING - start);
    start = end + 1;
  }
  stats->bytes += lines.size();
  return profiler.Finish();
}

ProfiledLines ProfileRecordsParallel(std::string_view lines, const ReferenceLookup& reference_of,
                                     IngestStats* stats, int threads, int64_t window_ms) {
  std::vector<std::string_view> slices;
  for (size_t start = 0, t = 1; start < lines.size(); ++t) {
    size_t end = t >= static_cast<size_t>(threads) ? lines.size() : lines.size() * t / threads;
    end = std::max(end, start);
    size_t nl = lines.find('\n', end == 0 ? 0 : end - 1);
    end = nl == std::string_view::npos ? lines.size() : nl + 1;
    slices.push_back(lines.substr(start, end - start));
    start = end;
  }
  std::mutex mu;
  ReferenceLookup locked = [&](const std::string& model, int64_t version) {
    std::lock_guard<std::mutex> lock(mu);
    return reference_of(model, version);
  };
  std::vector<ProfiledLines> parts(slices.size());
  std::vector<IngestStats> part_stats(slices.size());
  std::vector<std::thread> workers;
  for (size_t i = 1; i < slices.size(); ++i) {
    workers.emplace_back([&, i] { parts[i] = ProfileRecords(slices[i], locked, &part_stats[i], window_ms); });
  }
  if (!slices.empty()) parts[0] = ProfileRecords(slices[0], locked, &part_stats[0], window_ms);
  for (std::thread& w : workers) w.join();
  std::map<Key, WindowUpdate> merged;
  ProfiledLines out;
  for (size_t i = 0; i < parts.size(); ++i) {
    for (PredictionRow& p : parts[i].predictions) out.predictions.push_back(std::move(p));
    for (WindowUpdate& w : parts[i].windows) {
      Key key{w.key.deployment, w.key.model, w.key.version, w.key.start_ms};
      auto [it, added] = merged.try_emplace(key, std::move(w));
      if (!added) (void)MergeInto(&it->second.profile, w.profile, OnConflict::kReplace);
    }
    stats->records += part_stats[i].records;
    stats->rows += part_stats[i].rows;
    stats->bytes += part_stats[i].bytes;
    stats->skipped_lines += part_stats[i].skipped_lines;
  }
  for (auto& [key, w] : merged) out.windows.push_back(std::move(w));
  stats->windows += out.windows.size();
  return out;
}

}  // namespace ferry::monitoring
