#include "cli/package_fetch.h"

#include <unistd.h>

#include <fstream>

#include "core/http_client.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;

Result<Json> Get(const ClientFlags& flags, const std::string& target) {
  auto out = Call(flags, "GET", target);
  if (!out) return Unavailable("the server at " + flags.url + " refused " + target);
  return *out;
}

Status Download(const ClientFlags& flags, const std::string& dir, const fs::path& dest) {
  ASSIGN_OR_RETURN(Json listing, Get(flags, "/api/2.0/mlflow-artifacts/artifacts?path=" +
                                                Encode(dir)));
  fs::create_directories(dest);
  for (const Json& f : listing.value("files", Json::array())) {
    std::string name = f.value("path", "");
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      return InvalidArgument("the server listed an unsafe file name: " + name);
    }
    if (f.value("is_dir", false)) {
      RETURN_IF_ERROR(Download(flags, dir + "/" + name, dest / name));
      continue;
    }
    std::string base = flags.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto reply = HttpSend({"GET", base + "/api/2.0/mlflow-artifacts/artifacts/" + dir + "/" + name,
                           "", {}, std::chrono::minutes(10)});
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) return Unavailable("cannot download " + dir + "/" + name);
    std::ofstream out(dest / name, std::ios::binary);
    out << reply->body;
    if (!out) return Internal("cannot write " + (dest / name).string());
  }
  return Status::Ok();
}

}  // namespace

Result<serving::ResolvedModel> FetchModel(const ClientFlags& flags, const std::string& ref,
                                          const fs::path& cache) {
  std::string rest = ref.starts_with("models:/") ? ref.substr(8) : ref;
  size_t at = rest.find('@'), slash = rest.find('/');
  std::string name, version;
  if (at != std::string::npos) {
    name = rest.substr(0, at);
    ASSIGN_OR_RETURN(Json v, Get(flags, "/api/2.0/mlflow/registered-models/alias?name=" +
                                            Encode(name) + "&alias=" + Encode(rest.substr(at + 1))));
    version = v["model_version"].value("version", "");
  } else if (slash != std::string::npos) {
    name = rest.substr(0, slash);
    version = rest.substr(slash + 1);
  } else {
    return InvalidArgument("a model reference is <name>@<alias> or <name>/<version>, not " + ref);
  }
  serving::ResolvedModel resolved{name, std::atoll(version.c_str()), ""};
  if (resolved.version <= 0) return InvalidArgument("no version for " + ref);
  fs::path dest = cache / Encode(name) / version;
  resolved.package_dir = dest.string();
  if (fs::exists(dest / "MLmodel")) return resolved;
  ASSIGN_OR_RETURN(Json uri, Get(flags, "/api/2.0/mlflow/model-versions/get-download-uri?name=" +
                                            Encode(name) + "&version=" + Encode(version)));
  std::string location = uri.value("artifact_uri", "");
  const std::string scheme = "mlflow-artifacts:/";
  if (!location.starts_with(scheme)) {
    return FailedPrecondition(name + " version " + version + " is stored at " + location +
                              ", outside Ferry's artifact store");
  }
  std::string dir = location.substr(scheme.size());
  while (dir.starts_with("/")) dir.erase(0, 1);
  fs::path partial = dest;
  partial += ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial);
  Status st = Download(flags, dir, partial);
  std::error_code ec;
  if (st.ok()) fs::rename(partial, dest, ec);
  if (!st.ok() || ec) {
    fs::remove_all(partial);
    return st.ok() ? Internal("cannot place the package in " + dest.string()) : st;
  }
  return resolved;
}

}  // namespace ferry::cli
