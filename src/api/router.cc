#include "api/router.h"

namespace ferry::api {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  auto want = Split(pattern);
  auto have = Split(path);
  for (size_t i = 0; i < want.size(); ++i) {
    std::string_view w = want[i];
    bool is_param = w.size() > 2 && w.front() == '{' && w.back() == '}';
    if (is_param && w.ends_with("...}")) {
      // The rest of the path, as it came (slashes kept).
      size_t offset = 0;
      for (size_t j = 0; j < i && j < have.size(); ++j) offset += have[j].size() + 1;
      std::string_view rest = i < have.size() ? path.substr(1 + offset) : "";
      params[std::string(w.substr(1, w.size() - 5))] = std::string(rest);
      return true;
    }
    if (i >= have.size()) return false;
    if (is_param) {
      if (have[i].empty()) return false;
      params[std::string(w.substr(1, w.size() - 2))] = std::string(have[i]);
    } else if (w != have[i]) {
      return false;
    }
  }
  return want.size() == have.size();
}

}  // namespace

void Router::Add(Method method, std::string pattern, Handler handler) {
  routes_.push_back({method, std::move(pattern), std::move(handler), nullptr});
}

void Router::AddStream(Method method, std::string pattern,
                       StreamHandler handler) {
  routes_.push_back({method, std::move(pattern), nullptr, std::move(handler)});
}

Router::Match Router::Find(HttpRequest& request) const {
  Match match;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(route.pattern, request.path, params)) continue;
    match.path_matched = true;
    bool same = route.method == request.method ||
                (route.method == Method::kGet && request.method == Method::kHead);
    if (!same) continue;
    request.path_params = std::move(params);
    match.route = &route;
    return match;
  }
  return match;
}

}  // namespace ferry::api
