#include "pipelines/step_cache.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "core/sha256.h"

namespace ferry::pipelines {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Result<std::string> FileDigest(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read '" + path.string() + "'");
  Sha256 hash;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) hash.Update(buffer, static_cast<size_t>(in.gcount()));
  return hash.HexDigest();
}

// Each regular file under `dir` as "relative path \0 digest \0", sorted.
Result<std::string> TreeDigest(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return NotFound("cannot list '" + dir.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  Sha256 hash;
  for (const fs::path& f : files) {
    ASSIGN_OR_RETURN(std::string digest, FileDigest(f));
    hash.Update(fs::relative(f, dir).generic_string());
    hash.Update("\0", 1);
    hash.Update(digest);
    hash.Update("\0", 1);
  }
  return hash.HexDigest();
}

void AddMap(Sha256& hash, std::string_view what, const std::map<std::string, std::string>& m) {
  hash.Update(what);
  hash.Update("\0", 1);
  for (const auto& [k, v] : m) {
    hash.Update(k);
    hash.Update("\0", 1);
    hash.Update(v);
    hash.Update("\0", 1);
  }
}

}  // namespace

Result<std::string> ContentDigest(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return NotFound("input '" + path + "' does not exist");
  return fs::is_directory(st) ? TreeDigest(path) : FileDigest(path);
}

Result<std::string> CacheKey(const CacheInputs& what) {
  Sha256 hash;
  hash.Update("ferry-step-cache-v1");
  hash.Update("\0", 1);
  for (const std::string& arg : what.command) {
    hash.Update(arg);
    hash.Update("\0", 1);
  }
  AddMap(hash, "env", what.env);
  AddMap(hash, "params", what.params);
  AddMap(hash, "with", what.with);
  hash.Update("inputs");
  for (const std::string& input : what.inputs) {
    ASSIGN_OR_RETURN(std::string digest, ContentDigest(input));
    hash.Update(input);
    hash.Update("\0", 1);
    hash.Update(digest);
    hash.Update("\0", 1);
  }
  return hash.HexDigest();
}

std::optional<std::map<std::string, std::string>> StepCache::Find(const std::string& key) const {
  std::ifstream in(fs::path(dir_) / (key + ".json"));
  if (!in) return std::nullopt;
  Json entry = Json::parse(in, nullptr, false);
  if (!entry.is_object() || !entry["outputs"].is_object()) return std::nullopt;
  std::map<std::string, std::string> outputs;
  for (const auto& [name, path] : entry["outputs"].items()) {
    std::error_code ec;
    if (!path.is_string() || !fs::exists(path.get<std::string>(), ec)) return std::nullopt;
    outputs[name] = path.get<std::string>();
  }
  return outputs;
}

Status StepCache::Store(const std::string& key, const std::map<std::string, std::string>& outputs) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Internal("cannot create the step cache '" + dir_ + "': " + ec.message());
  fs::path final_path = fs::path(dir_) / (key + ".json");
  fs::path temp = fs::path(dir_) / (key + "." + NewRunId() + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary);
    out << Json{{"outputs", outputs}}.dump();
    if (!out) return Internal("cannot write the step cache entry '" + temp.string() + "'");
  }
  fs::rename(temp, final_path, ec);
  if (ec) return Internal("cannot write the step cache entry '" + final_path.string() + "': " + ec.message());
  return Status::Ok();
}

}  // namespace ferry::pipelines
