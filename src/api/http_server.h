// HttpServer: an event-driven HTTP/1.1 server (Boost.Beast) with keep-alive.
//
// I/O threads parse and write; handlers run on a separate worker pool, so a
// handler that waits on the metadata store (group commit) never stalls
// other connections. Bodies above `max_body_bytes` get 413; streamed routes
// (uploads) pass the body to a BodySink chunk by chunk with no buffering.
// Shutdown stops accepting, lets in-flight requests finish (up to
// `drain_timeout`), then returns from Run. Every request is counted in
// HttpMetrics and written to the access log.
//
// Thread safety: Shutdown may be called from any thread; everything else
// belongs to the thread that calls Run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "api/metrics.h"
#include "api/router.h"
#include "core/status.h"

namespace ferry::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;  // 0 = any free port
  int io_threads = 2;
  int worker_threads = 32;
  uint64_t max_body_bytes = 64ull << 20;
  uint64_t max_stream_bytes = 64ull << 30;
  std::chrono::seconds read_timeout{120};
  std::chrono::seconds idle_timeout{75};
  std::chrono::seconds drain_timeout{20};
  bool access_log = true;
  bool handle_signals = true;  // SIGINT/SIGTERM start a graceful shutdown
};

class HttpServer {
 public:
  // Binds and listens; fails with kUnavailable when the address is taken.
  static Result<std::unique_ptr<HttpServer>> Create(HttpServerOptions options,
                                                    const Router& router,
                                                    HttpMetrics& metrics);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Serves until shut down; returns once in-flight requests have finished.
  virtual void Run() = 0;
  virtual void Shutdown() = 0;
};

}  // namespace ferry::api
