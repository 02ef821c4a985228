// `ferry serve --control URL --deployment NAME`: a data-plane replica. It
// has no metadata store: the deployment specs come from the control plane
// (`ferry server`), packages are downloaded through its artifact proxy into
// a local cache, and every --poll-seconds the replica re-reads each spec
// (replacing the deployment when it changed) and re-resolves every arm's
// reference (hot-swapping a version when an alias moved), the same load →
// warm up → swap path as in-process serving. It answers the Open Inference
// Protocol (HTTP and gRPC), /invocations and /metrics, and is stateless:
// run as many as the load needs behind any load balancer.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/errors.h"
#include "api/http_server.h"
#include "api/services.h"
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/listeners.h"
#include "cli/package_fetch.h"
#include "core/log.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;

struct ServeFlags {
  std::string control;
  std::vector<std::string> deployments;
  std::string host = "127.0.0.1";
  uint16_t port = 5000;
  int grpc_port = 5001;
  std::string cache = "ferry-serve-cache";
  std::string payloads = "ferry-serve-payloads";
  int poll_seconds = 2;
  int io_threads = 2;
  bool quiet = false;
};

// The control plane's view of a deployment, as a spec.
Result<serving::DeploymentSpec> FetchSpec(const ClientFlags& control, const std::string& name) {
  auto out = Call(control, "GET", "/api/v1/deployments/" + Encode(name));
  if (!out) return Unavailable("cannot read deployment '" + name + "' from " + control.url);
  const Json& d = (*out)["deployment"];
  Json spec = Json::object();
  for (const char* key : {"name", "model", "canary", "shadow", "batching", "payload_log"}) {
    if (d.contains(key)) spec[key] = d[key];
  }
  return serving::SpecFromJson(spec);
}

// Follows the control plane until `stop` is set.
void Follow(const ClientFlags& control, const ServeFlags& flags, serving::Deployments& deployments,
            std::atomic<bool>& stop, std::mutex& mu, std::condition_variable& cv) {
  std::unique_lock lock(mu);
  while (!cv.wait_for(lock, std::chrono::seconds(flags.poll_seconds), [&] { return stop.load(); })) {
    lock.unlock();
    for (const std::string& name : flags.deployments) {
      auto spec = FetchSpec(control, name);
      if (!spec.ok()) continue;  // the control plane is away: keep serving what we have
      auto current = deployments.Get(name);
      if (!current.ok() || serving::SpecToJson(current->spec) != serving::SpecToJson(*spec)) {
        auto replaced = deployments.Replace(*spec);
        if (!replaced.ok()) {
          Log(LogLevel::kError, "cannot apply the control plane's deployment",
              {{"deployment", name}, {"error", replaced.status().message()}});
        }
        continue;
      }
      for (const std::string& ref : {spec->model, spec->canary, spec->shadow}) {
        if (!ref.empty()) deployments.ReloadModel(serving::RefModelName(ref));
      }
    }
    lock.lock();
  }
}

void AddReplicaHealth(api::Router& router, api::HttpMetrics& metrics,
                      serving::Deployments& deployments) {
  router.Add(api::Method::kGet, "/healthz",
             [](api::HttpRequest&) { return api::JsonResponse(200, R"({"status":"ok"})"); });
  router.Add(api::Method::kGet, "/readyz", [&deployments](api::HttpRequest&) {
    for (const auto& d : deployments.List()) {
      for (const auto& a : d.arms) {
        if (a.role == serving::Role::kPrimary && !a.ready) {
          return api::ErrorResponse(Unavailable("deployment '" + d.spec.name + "' is not loaded"),
                                    api::ErrorStyle::kFerry);
        }
      }
    }
    return api::JsonResponse(200, R"({"status":"ready"})");
  });
  router.Add(api::Method::kGet, "/metrics", [&metrics, &deployments](api::HttpRequest&) {
    api::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics.Render() + deployments.RenderMetrics();
    return r;
  });
}

int RunServe(const ServeFlags& flags) {
  if (flags.quiet) SetLogLevel(LogLevel::kWarn);
  ClientFlags control;
  control.url = flags.control;
  serving::PayloadLog payloads(flags.payloads);
  serving::Deployments deployments(
      nullptr, [&control, &flags](const std::string& ref) {
        return FetchModel(control, ref, flags.cache);
      },
      Clock::System(), &payloads);
  for (const std::string& name : flags.deployments) {
    auto spec = FetchSpec(control, name);
    auto created = spec.ok() ? deployments.Create(*spec) : Result<serving::DeploymentStatus>(spec.status());
    if (!created.ok()) {
      Log(LogLevel::kError, "cannot start deployment", {{"deployment", name}, {"error", created.status().message()}});
      return 1;
    }
  }
  api::Router router;
  api::HttpMetrics metrics;
  AddReplicaHealth(router, metrics, deployments);
  api::AddServingRoutes(router, deployments, /*manage=*/false);
  api::HttpServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.io_threads = flags.io_threads;
  options.access_log = !flags.quiet;
  auto listeners = StartListeners(options, flags.grpc_port, router, metrics, deployments);
  if (!listeners.ok()) return 1;
  auto& server = listeners->http;
  auto& grpc = listeners->grpc;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  std::thread follower([&] { Follow(control, flags, deployments, stop, mu, cv); });
  Log(LogLevel::kInfo, "ferry serve (data plane) listening",
      {{"url", "http://" + flags.host + ":" + std::to_string(server->port())},
       {"control", flags.control}});
  server->Run();
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  follower.join();
  server.reset();
  if (grpc) grpc->Shutdown();
  deployments.Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run a data-plane replica: serve deployments of a control plane (ferry server)");
  cmd->add_option("--control", flags->control, "The control plane's URL, e.g. http://host:5000")
      ->required();
  cmd->add_option("--deployment", flags->deployments, "Deployment to serve (repeatable)")
      ->required();
  cmd->add_option("--host", flags->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "HTTP port (0 = any free port)")->capture_default_str();
  cmd->add_option("--grpc-port", flags->grpc_port, "gRPC port (0 = any free port, -1 = off)")
      ->capture_default_str()->check(CLI::Range(-1, 65535));
  cmd->add_option("--cache-dir", flags->cache, "Where downloaded model packages are kept")
      ->capture_default_str();
  cmd->add_option("--payload-dir", flags->payloads, "Where served requests are logged")
      ->capture_default_str();
  cmd->add_option("--poll-seconds", flags->poll_seconds, "How often to follow the control plane")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_flag("--quiet", flags->quiet, "No access log");
  cmd->callback([flags, &exit_code] { exit_code = RunServe(*flags); });
}

}  // namespace ferry::cli
