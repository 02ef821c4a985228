#include "api/ui_routes.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "api/errors.h"
#include "artifacts/artifact_store.h"
#include "core/log.h"

namespace ferry::api {
namespace fs = std::filesystem;
namespace {

const char* ContentType(const fs::path& file) {
  static const std::pair<std::string_view, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  std::string ext = file.extension().string();
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

bool IsApiPath(std::string_view path) {
  for (std::string_view prefix : {"/api/", "/ajax-api/", "/v2/"}) {
    if (path.starts_with(prefix)) return true;
  }
  return path == "/v2";
}

HttpResponse NoApiRoute(const std::string& path) {
  return ErrorResponse(NotFound("No route for " + path), ErrorStyleFor(path));
}

HttpResponse FileAnswer(const fs::path& file, bool immutable) {
  HttpResponse r;
  r.content_type = ContentType(file);
  r.file_path = file.string();
  // Built assets carry a content hash in their names; index.html must be re-read.
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

HttpResponse NotBuilt() {
  HttpResponse r;
  r.status = 503;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html><title>Ferry</title><h1>Ferry's web UI is not built</h1>"
      "<p>Build it with <code>scripts/build.sh ui</code> (needs Node.js and npm), or point "
      "<code>ferry server --ui-dir</code> at a built <code>ui/dist</code> folder. The APIs "
      "under <code>/api/</code> work without it.</p>";
  return r;
}

HttpResponse Serve(const fs::path& root, HttpRequest& req) {
  if (IsApiPath(req.path)) return NoApiRoute(req.path);
  std::string sub = req.path.substr(req.path.starts_with("/") ? 1 : 0);
  const bool asset = sub.starts_with("assets/");
  // Only a clean relative path is looked up as a file; any other path (a
  // model name with "//" in a deep link) is a page of the app.
  auto rel = artifacts::CheckRelativePath(sub, true);
  if (rel.ok() && !rel->empty()) {
    std::error_code ec;
    fs::path file = root / *rel;
    if (fs::is_regular_file(file, ec)) return FileAnswer(file, asset);
  }
  // A missing or refused asset is a 404, not the app (a stale link to an old build).
  if (asset) return ErrorResponse(NotFound("no file " + req.path), ErrorStyle::kFerry);
  return FileAnswer(root / "index.html", false);
}

bool HasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "index.html", ec);
}

}  // namespace

std::optional<std::string> FindUiDir(const std::string& flag) {
  std::string chosen = flag;
  if (chosen.empty()) {
    if (const char* env = std::getenv("FERRY_UI_DIR"); env && *env) chosen = env;
  }
  if (!chosen.empty()) {
    if (HasIndex(chosen)) return chosen;
    Log(LogLevel::kWarn, "the web UI folder has no index.html; / explains how to build it",
        {{"ui_dir", chosen}});
    return std::nullopt;
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  fs::path dir = exe.parent_path();
  for (fs::path candidate : {dir / "ui", dir / ".." / "share" / "ferry" / "ui",
                             dir / ".." / ".." / "ui" / "dist"}) {
    if (HasIndex(candidate)) return fs::weakly_canonical(candidate, ec).string();
  }
  return std::nullopt;
}

void AddUiRoutes(Router& router, std::optional<std::string> dist_dir) {
  if (dist_dir) {
    router.SetGetFallback([root = fs::path(*dist_dir)](HttpRequest& r) { return Serve(root, r); });
    return;
  }
  router.SetGetFallback([](HttpRequest& r) {
    if (IsApiPath(r.path)) return NoApiRoute(r.path);
    return NotBuilt();
  });
}

}  // namespace ferry::api
