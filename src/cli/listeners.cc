#include "cli/listeners.h"

#include "core/log.h"

namespace ferry::cli {

Result<Listeners> StartListeners(const api::HttpServerOptions& options, int grpc_port,
                                 const api::Router& router, api::HttpMetrics& metrics,
                                 serving::Deployments& deployments) {
  Listeners out;
  auto http = api::HttpServer::Create(options, router, metrics);
  if (!http.ok()) {
    Log(LogLevel::kError, "cannot start server", {{"error", http.status().ToString()}});
    return http.status();
  }
  out.http = std::move(http).value();
  if (grpc_port >= 0) {
    auto grpc = api::GrpcServer::Start(options.host, grpc_port, deployments,
                                       static_cast<int>(options.max_body_bytes));
    if (!grpc.ok()) {
      Log(LogLevel::kError, "cannot start the gRPC server", {{"error", grpc.status().ToString()}});
      return grpc.status();
    }
    out.grpc = std::move(grpc).value();
    Log(LogLevel::kInfo, "gRPC (Open Inference Protocol) listening",
        {{"address", options.host + ":" + std::to_string(out.grpc->port())}});
  }
  return out;
}

}  // namespace ferry::cli
