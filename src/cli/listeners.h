// The network side of `ferry server` and `ferry serve`: the HTTP server and,
// unless the gRPC port is negative, the Open Inference Protocol's gRPC
// server, started together; a failure is logged and nothing is left running.
#pragma once

#include <memory>

#include "api/grpc/grpc_server.h"
#include "api/http_server.h"

namespace ferry::cli {

struct Listeners {
  std::unique_ptr<api::HttpServer> http;
  std::unique_ptr<api::GrpcServer> grpc;  // null when gRPC is off
};

Result<Listeners> StartListeners(const api::HttpServerOptions& options, int grpc_port,
                                 const api::Router& router, api::HttpMetrics& metrics,
                                 serving::Deployments& deployments);

}  // namespace ferry::cli
