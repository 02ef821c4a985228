// Router: (method, path pattern) → handler. Patterns are "/"-separated
// literal segments, "{name}" (one segment) and a final "{name...}" (the rest
// of the path, possibly empty). First registered match wins.
// Built before serving starts, then read-only: thread-safe to Match.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http_types.h"

namespace ferry::api {

using Handler = std::function<HttpResponse(HttpRequest&)>;
// Makes the sink for a streamed body, or answers at once (e.g. a 400).
using StreamHandler =
    std::function<Result<std::unique_ptr<BodySink>>(HttpRequest&)>;

// Answers later, from any thread, exactly once (the data plane: a request
// waits in a batch queue without holding a worker thread).
using Responder = std::function<void(HttpResponse)>;
// Runs on the I/O thread: must not block; hands `respond` on.
using AsyncHandler = std::function<void(HttpRequest&, Responder respond)>;

struct Route {
  Method method;
  std::string pattern;
  Handler handler;        // set for buffered routes
  StreamHandler stream;   // set for streamed-body routes
  AsyncHandler async;     // set for asynchronous routes
  std::vector<std::string> segments;  // the pattern split at '/', once
};

class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler);
  void AddStream(Method method, std::string pattern, StreamHandler handler);
  void AddAsync(Method method, std::string pattern, AsyncHandler handler);
  // Answers a GET (or HEAD) that no route's path matches (the web UI). It
  // never turns another method's 404 into a 405, nor a 405 into a 404.
  void SetGetFallback(Handler handler);

  struct Match {
    const Route* route = nullptr;
    bool path_matched = false;  // some route has this path (405 vs 404)
  };
  // Fills request.path_params on success.
  Match Find(HttpRequest& request) const;

 private:
  std::vector<Route> routes_;
  std::optional<Route> fallback_;
};

}  // namespace ferry::api
