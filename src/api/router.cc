#include "api/router.h"

namespace ferry::api {
namespace {

std::vector<std::string> SplitPattern(std::string_view pattern) {
  std::vector<std::string> parts;
  size_t start = pattern.empty() || pattern[0] != '/' ? 0 : 1;
  while (start <= pattern.size()) {
    size_t end = pattern.find('/', start);
    if (end == std::string_view::npos) end = pattern.size();
    parts.emplace_back(pattern.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// Walks the path segment by segment without allocating; path parameters
// are copied out only for the route that matches.
bool MatchPattern(const std::vector<std::string>& want, std::string_view path,
                  std::map<std::string, std::string>* params) {
  size_t pos = path.empty() || path[0] != '/' ? 0 : 1;
  bool exhausted = false;
  for (const std::string& w : want) {
    if (IsParam(w) && w.ends_with("...}")) {
      if (params) {
        (*params)[w.substr(1, w.size() - 5)] =
            exhausted ? "" : std::string(path.substr(std::min(pos, path.size())));
      }
      return true;
    }
    if (exhausted) return false;
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) {
      end = path.size();
      exhausted = true;
    }
    std::string_view have = path.substr(pos, end - pos);
    if (IsParam(w)) {
      if (have.empty()) return false;
      if (params) (*params)[w.substr(1, w.size() - 2)] = std::string(have);
    } else if (w != have) {
      return false;
    }
    pos = end + 1;
  }
  return exhausted;
}

}  // namespace

void Router::Add(Method method, std::string pattern, Handler handler) {
  auto segments = SplitPattern(pattern);
  routes_.push_back(
      {method, std::move(pattern), std::move(handler), nullptr, nullptr, std::move(segments)});
}

void Router::AddStream(Method method, std::string pattern,
                       StreamHandler handler) {
  auto segments = SplitPattern(pattern);
  routes_.push_back(
      {method, std::move(pattern), nullptr, std::move(handler), nullptr, std::move(segments)});
}

void Router::AddAsync(Method method, std::string pattern, AsyncHandler handler) {
  auto segments = SplitPattern(pattern);
  routes_.push_back(
      {method, std::move(pattern), nullptr, nullptr, std::move(handler), std::move(segments)});
}

void Router::SetGetFallback(Handler handler) {
  fallback_ = Route{Method::kGet, "fallback", std::move(handler), nullptr, nullptr, {}};
}

Router::Match Router::Find(HttpRequest& request) const {
  Match match;
  for (const Route& route : routes_) {
    if (!MatchPattern(route.segments, request.path, nullptr)) continue;
    match.path_matched = true;
    bool same = route.method == request.method ||
                (route.method == Method::kGet && request.method == Method::kHead);
    if (!same) continue;
    request.path_params.clear();
    MatchPattern(route.segments, request.path, &request.path_params);
    match.route = &route;
    return match;
  }
  if (fallback_ && !match.path_matched &&
      (request.method == Method::kGet || request.method == Method::kHead)) {
    request.path_params.clear();
    match.route = &*fallback_;
  }
  return match;
}

}  // namespace ferry::api
