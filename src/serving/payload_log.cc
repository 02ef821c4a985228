#include "serving/payload_log.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/log.h"
#include "serving/tensor_json.h"

namespace ferry::serving {
namespace {

using Json = nlohmann::json;

Json TensorsToJson(const std::vector<Tensor>& tensors) {
  Json obj = Json::object();
  for (const Tensor& t : tensors) {
    obj[t.name] = {{"datatype", DataTypeName(t.datatype)},
                   {"shape", t.shape},
                   {"data", TensorDataToJson(t, false)}};
  }
  return obj;
}

std::string HourFile(int64_t time_ms) {
  std::time_t secs = static_cast<std::time_t>(time_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H.jsonl", &tm);
  return buf;
}

}  // namespace

PayloadLog::PayloadLog(std::string dir, size_t capacity, std::function<void()> on_drop)
    : dir_(std::move(dir)), capacity_(capacity), on_drop_(std::move(on_drop)) {
  thread_ = std::thread([this] { Loop(); });
}

PayloadLog::~PayloadLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool PayloadLog::TryPush(PayloadRecord record) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < capacity_) {
      queue_.push_back(std::move(record));
      ++pushed_;
      cv_.notify_one();
      return true;
    }
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  if (on_drop_) on_drop_();
  return false;
}

void PayloadLog::Flush() {
  std::unique_lock lock(mu_);
  uint64_t target = pushed_;
  flushed_cv_.wait(lock, [&] { return done_ >= target; });
}

void PayloadLog::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    std::vector<PayloadRecord> batch;
    while (!queue_.empty() && batch.size() < 1024) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    Write(batch);
    lock.lock();
    done_ += batch.size();
    flushed_cv_.notify_all();
  }
}

void PayloadLog::Write(std::vector<PayloadRecord>& batch) {
  namespace fs = std::filesystem;
  std::map<fs::path, std::string> lines;  // file → text, one append per file
  for (const PayloadRecord& r : batch) {
    Json line = {{"prediction_id", r.prediction_id}, {"time", r.time_ms},
                 {"deployment", r.deployment},       {"model", r.model},
                 {"version", r.version},             {"role", r.role},
                 {"inputs", TensorsToJson(r.inputs)}, {"outputs", TensorsToJson(r.outputs)}};
    lines[fs::path(dir_) / r.deployment / HourFile(r.time_ms)] +=
        line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  }
  for (const auto& [path, text] : lines) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
      Log(LogLevel::kError, "cannot write the payload log", {{"file", path.string()}});
    }
  }
  written_.fetch_add(batch.size(), std::memory_order_relaxed);
}

}  // namespace ferry::serving
