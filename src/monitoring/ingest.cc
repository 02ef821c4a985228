#include "monitoring/ingest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "core/log.h"

namespace ferry::monitoring {

namespace {

namespace fs = std::filesystem;

constexpr size_t kParallelBytes = 1 << 20;  // smaller chunks are profiled on one thread

// Payload-log files under <dir>/<deployment>/, oldest first.
std::vector<std::pair<std::string, std::string>> LogFiles(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(dir, ec)) {
    if (!d.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(d.path(), ec)) {
      if (f.is_regular_file() && f.path().extension() == ".jsonl") {
        files.emplace_back(d.path().filename().string(), f.path().filename().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::string> ReadRange(const fs::path& path, int64_t from, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Internal("cannot read " + path.string());
  in.seekg(from);
  std::string text(max_bytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// Reference profiles, looked up once per pass.
class References {
 public:
  explicit References(MonitorStore& store) : store_(store) {}
  const Profile* Get(const std::string& model, int64_t version) {
    auto [it, added] = cache_.try_emplace({model, version});
    if (added) {
      Result<ReferenceInfo> ref = store_.GetReference(model, version);
      if (ref.ok()) it->second = std::move(ref->profile);
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  MonitorStore& store_;
  std::map<std::pair<std::string, int64_t>, std::optional<Profile>> cache_;
};

}  // namespace

Status PayloadIngester::IngestFile(const std::string& deployment, const std::string& file,
                                   const ReferenceLookup& lookup, IngestStats* stats) {
  fs::path path = fs::path(dir_) / deployment / file;
  std::string key = deployment + "/" + file;
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return Status::Ok();  // removed meanwhile
  ASSIGN_OR_RETURN(int64_t cursor, store_.Cursor(key));
  bool counted = false;
  while (cursor < size) {
    ASSIGN_OR_RETURN(std::string text, ReadRange(path, cursor, std::min<size_t>(size - cursor, kChunkBytes)));
    size_t end = text.rfind('\n');
    if (end == std::string::npos) {
      if (text.size() < kChunkBytes) break;  // a line still being written
      ++stats->skipped_lines;                // one line longer than a chunk: skipped
      cursor += static_cast<int64_t>(text.size());
      RETURN_IF_ERROR(store_.AddWindows({}, {}, {{key, cursor}}));
      continue;
    }
    std::string_view lines = std::string_view(text).substr(0, end + 1);
    ProfiledLines profiled =
        lines.size() < kParallelBytes
            ? ProfileRecords(lines, lookup, stats, window_ms_)
            : ProfileRecordsParallel(lines, lookup, stats, static_cast<int>(std::thread::hardware_concurrency()),
                                     window_ms_);
    cursor += static_cast<int64_t>(end + 1);
    RETURN_IF_ERROR(store_.AddWindows(profiled.windows, profiled.predictions, {{key, cursor}}));
    if (!counted) {
      ++stats->files;
      counted = true;
    }
  }
  return Status::Ok();
}

Result<IngestStats> PayloadIngester::RunOnce() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  IngestStats stats;
  References references(store_);  // read once per pass, whatever the number of files
  ReferenceLookup lookup = [&](const std::string& m, int64_t v) { return references.Get(m, v); };
  for (const auto& [deployment, file] : LogFiles(dir_)) RETURN_IF_ERROR(IngestFile(deployment, file, lookup, &stats));
  return stats;
}

void PayloadIngester::Start(std::chrono::milliseconds interval, std::function<void()> after_pass) {
  thread_ = std::thread([this, interval, after_pass = std::move(after_pass)] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      lock.unlock();
      Result<IngestStats> stats = RunOnce();
      if (!stats.ok()) {
        Log(LogLevel::kError, "monitoring ingestion failed", {{"error", stats.status().message()}});
      }
      if (after_pass) after_pass();
      lock.lock();
      cv_.wait_for(lock, interval, [this] { return stopping_; });
    }
  });
}

void PayloadIngester::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ferry::monitoring
