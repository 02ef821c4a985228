// `ferry server`: opens the stores, wires the services and serves HTTP until
// SIGINT/SIGTERM, then drains and closes the metadata store.
#include <algorithm>
#include <filesystem>
#include <thread>

#include "api/http_server.h"
#include "api/monitoring/monitoring_routes.h"
#include "api/pipelines/pipeline_routes.h"
#include "api/services.h"
#include "api/ui_routes.h"
#include "artifacts/local/local_artifact_store.h"
#include "cli/commands.h"
#include "cli/listeners.h"
#include "core/log.h"
#include "pipelines/kubernetes_executor.h"
#include "pipelines/local_executor.h"
#include "pipelines/pipeline_service.h"
#include "pipelines/triggers.h"
#include "serving/deployments.h"
#include "store/database.h"

namespace ferry::cli {
namespace {

struct ServerFlags {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;
  int grpc_port = 5001;  // -1 = no gRPC
  std::string data_dir = "ferry-data";
  std::string store;      // default: sqlite:///<data_dir>/ferry.db
  std::string artifacts;  // default: <data_dir>/artifacts
  std::string payloads;   // default: <data_dir>/payloads
  int io_threads = 2;
  int workers = 32;
  uint64_t max_body_mb = 64;
  int monitor_interval_s = 10;  // payload-log ingestion; 0: only on POST /api/v1/monitoring/ingest
  int monitor_window_s = 3600;  // length of a monitoring window
  int pipeline_parallel = 0;    // pipeline steps at once; 0: one per core
  std::string pipeline_executor = "local";  // or "kubernetes"
  std::string advertise_url;  // how pipeline steps reach this server; default: the listening URL
  pipelines::KubernetesExecutorOptions k8s;
  std::string ui_dir;  // default: found next to the binary (api/ui_routes.h)
  bool quiet = false;
};

// Serving reads packages from Ferry's artifact store: a registry reference
// resolves to a version whose storage location is an mlflow-artifacts: URI.
serving::ResolveFn RegistryResolver(registry::RegistryService& registry,
                                    artifacts::ArtifactStore& artifacts) {
  return [&registry, &artifacts](const std::string& ref) -> Result<serving::ResolvedModel> {
    ASSIGN_OR_RETURN(registry::ResolvedRef resolved, registry.Resolve(ref));
    const std::string& location = resolved.version.storage_location;
    const std::string scheme = "mlflow-artifacts:/";
    if (!location.starts_with(scheme)) {
      return FailedPrecondition("version " + std::to_string(resolved.version.version) + " of " +
                                resolved.name + " is stored at " + location +
                                "; serving reads packages from Ferry's artifact store only");
    }
    std::string dir = location.substr(scheme.size());
    while (dir.starts_with("/")) dir.erase(0, 1);
    auto manifest = artifacts.LocalFile(dir + "/MLmodel");
    if (!manifest.ok()) {
      return FailedPrecondition("version " + std::to_string(resolved.version.version) + " of " +
                                resolved.name + " has no MLmodel file at " + location);
    }
    return serving::ResolvedModel{resolved.name, resolved.version.version,
                                  std::filesystem::path(*manifest).parent_path().string()};
  };
}

// Alert transitions that notify go to the model version's audit trail
// (hence to webhooks); error_rate reads serving's request counts.
// A firing alert also reaches the pipelines whose `on:` names its rule.
void WireAlerts(monitoring::MonitoringService& monitoring, registry::RegistryService& registry,
                serving::Deployments& deployments, pipelines::PipelineTriggers& triggers) {
  monitoring.SetAlertNotifier([&registry, &triggers](const monitoring::AlertEvent& e,
                                                     const monitoring::AlertRule& rule) {
    if (e.kind == "firing") {
      triggers.OnEvent({"alert", rule.name, "",
                        {{"deployment", e.deployment}, {"model", e.model}, {"version", e.version},
                         {"value", e.value ? nlohmann::json(*e.value) : nlohmann::json(nullptr)}},
                        rule.pipeline});
    }
    if (e.model.empty()) {  // no monitored data names a model version: no audit trail to record it on
      Log(LogLevel::kWarn, "alert transition not sent to webhooks: no model version served yet",
          {{"rule", rule.name}, {"state", e.kind}});
      return Status::Ok();
    }
    return registry.RecordAlert(e.model, e.version, "alert_" + e.kind,
                                monitoring::AlertNotificationJson(e, rule).dump(),
                                {"ferry-monitoring", "alert rule " + rule.name + ": " + rule.expr});
  });
  monitoring.SetRequestCounts([&deployments](const std::string& d) { return deployments.RequestTotals(d); });
}

int RunServer(ServerFlags flags) {
  namespace fs = std::filesystem;
  if (flags.quiet) SetLogLevel(LogLevel::kWarn);
  std::error_code ec;
  if (flags.store.empty() || flags.artifacts.empty()) {
    fs::create_directories(flags.data_dir, ec);
    if (ec) {
      Log(LogLevel::kError, "cannot create data directory",
          {{"dir", flags.data_dir}, {"error", ec.message()}});
      return 1;
    }
  }
  if (flags.store.empty()) {
    flags.store = "sqlite://" + fs::absolute(fs::path(flags.data_dir) / "ferry.db").string();
  }
  if (flags.artifacts.empty()) {
    flags.artifacts = (fs::path(flags.data_dir) / "artifacts").string();
  }
  if (flags.payloads.empty()) flags.payloads = (fs::path(flags.data_dir) / "payloads").string();
  auto db = store::OpenDatabase(flags.store);
  if (!db.ok()) {
    Log(LogLevel::kError, "cannot open metadata store", {{"error", db.status().ToString()}});
    return 1;
  }
  auto artifact_store = artifacts::OpenLocalArtifactStore(flags.artifacts);
  if (!artifact_store.ok()) {
    Log(LogLevel::kError, "cannot open artifact store",
        {{"error", artifact_store.status().ToString()}});
    return 1;
  }
  tracking::TrackingStore tracking_store(**db);
  tracking::TrackingService tracking(tracking_store, Clock::System());
  tracking::LoggedModels logged_models(**db, tracking, Clock::System());
  registry::RegistryStore registry_store(**db);
  EventBus bus;
  registry::RegistryService registry(registry_store, tracking, logged_models, Clock::System(),
                                     &bus);
  registry::Webhooks webhooks(**db, Clock::System());
  webhooks.Start(bus);
  serving::PayloadLog payloads(flags.payloads);
  serving::Deployments deployments(db->get(), RegistryResolver(registry, **artifact_store),
                                   Clock::System(), &payloads);
  if (Status st = deployments.LoadStored(); !st.ok()) {
    Log(LogLevel::kError, "cannot read deployments", {{"error", st.ToString()}});
    return 1;
  }
  deployments.Start(bus);
  api::Services services{tracking,        logged_models, registry, webhooks, **artifact_store,
                         deployments,     Clock::System()};
  monitoring::MonitoringService monitoring(**db, Clock::System(), flags.payloads,
                                           int64_t{flags.monitor_window_s} * 1000);
  int parallel = flags.pipeline_parallel > 0 ? flags.pipeline_parallel
                                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::unique_ptr<pipelines::Executor> executor;
  pipelines::PipelineServiceOptions pipeline_options;
  pipeline_options.runs_root = fs::absolute(fs::path(flags.data_dir) / "pipelines").string();
  if (flags.pipeline_executor == "kubernetes") {
    auto k8s = pipelines::KubernetesExecutor::Create(flags.k8s);
    if (!k8s.ok()) {
      Log(LogLevel::kError, "cannot set up the Kubernetes executor", {{"error", k8s.status().ToString()}});
      return 1;
    }
    executor = std::move(*k8s);
    pipeline_options.runs_in_workspace = true;       // the pods see the workspace volume only
    pipeline_options.step_command = {"ferry", "step"};  // the image's ferry, from its PATH
  } else {
    executor = std::make_unique<pipelines::LocalExecutor>(static_cast<size_t>(parallel));
  }
  if (pipeline_options.step_command.empty()) {
    pipeline_options.step_command = {fs::read_symlink("/proc/self/exe", ec).string(), "step"};
  }
  pipelines::PipelineService pipeline_service(**db, &tracking, *executor, Clock::System(), pipeline_options);
  pipelines::PipelineTriggers triggers(pipeline_service, Clock::System());
  datasets::DatasetService dataset_service(**db, Clock::System(),
                                           fs::absolute(fs::path(flags.data_dir) / "datasets").string(),
                                           [&triggers](const datasets::DatasetVersion& v) {
                                             triggers.OnEvent({"dataset", v.name, "",
                                                               {{"version", v.version}, {"digest", v.digest}}});
                                           });
  WireAlerts(monitoring, registry, deployments, triggers);
  int bus_id = bus.Subscribe([&triggers](const BusEvent& e) {
    if (!e.type.starts_with("registry.")) return;
    nlohmann::json detail = nlohmann::json::object();
    if (e.version) detail["version"] = *e.version;
    triggers.OnEvent({"registry", e.subject, e.type.substr(9), detail});
  });
  api::Router router;
  api::HttpMetrics metrics;
  api::AddHealthRoutes(router, metrics, services, [&monitoring] {
    Result<std::string> text = monitoring.RenderAlertMetrics();
    return text.ok() ? *text : std::string();
  });
  api::AddMlflowRoutes(router, services);
  api::AddArtifactRoutes(router, services);
  api::AddV1Routes(router, services);
  api::AddRunTableRoutes(router, services);
  api::AddLoggedModelRoutes(router, services);
  api::AddMlflowRegistryRoutes(router, services);
  api::AddV1RegistryRoutes(router, services);
  api::AddServingRoutes(router, deployments);
  api::AddMonitoringRoutes(router, monitoring, registry, Clock::System());
  api::AddAlertRoutes(router, monitoring);
  api::AddPipelineRoutes(router, pipeline_service);
  api::AddDatasetRoutes(router, dataset_service);
  std::optional<std::string> ui_dir = api::FindUiDir(flags.ui_dir);
  if (!ui_dir) Log(LogLevel::kWarn, "the web UI is not built; / explains how to build it");
  api::AddUiRoutes(router, ui_dir);  // answers the GETs no route matches

  api::HttpServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.io_threads = flags.io_threads;
  options.worker_threads = flags.workers;
  options.max_body_bytes = flags.max_body_mb << 20;
  auto listeners = StartListeners(options, flags.grpc_port, router, metrics, deployments);
  if (!listeners.ok()) {
    bus.Unsubscribe(bus_id);
    return 1;
  }
  auto& server = listeners->http;
  auto& grpc = listeners->grpc;
  std::string host = flags.host == "0.0.0.0" ? "127.0.0.1" : flags.host == "::" ? "::1" : flags.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  std::string url = "http://" + host + ":" + std::to_string(server->port());
  if (!flags.advertise_url.empty()) url = flags.advertise_url;
  pipeline_service.SetStepEnv({{"FERRY_TRACKING_URI", url}, {"MLFLOW_TRACKING_URI", url}});
  if (Status st = pipeline_service.Start(); !st.ok()) {
    Log(LogLevel::kError, "cannot start pipelines", {{"error", st.ToString()}});
    bus.Unsubscribe(bus_id);
    return 1;
  }
  // Last: its alert notifier reaches the triggers, which must be running.
  triggers.Start(std::chrono::seconds(1));
  if (flags.monitor_interval_s > 0) monitoring.StartIngest(std::chrono::seconds(flags.monitor_interval_s));
  Log(LogLevel::kInfo, "ferry server listening",
      {{"url", "http://" + flags.host + ":" + std::to_string(server->port())},
       {"store", flags.store},
       {"artifacts", flags.artifacts}});
  server->Run();
  server.reset();  // joins the worker pool: no handler runs past here
  if (grpc) grpc->Shutdown();
  bus.Unsubscribe(bus_id);
  triggers.Stop();
  pipeline_service.Stop();
  deployments.Stop();
  monitoring.StopIngest();
  webhooks.Stop();
  (*db)->Close();
  Log(LogLevel::kInfo, "ferry server stopped");
  return 0;
}

}  // namespace

void AddServerCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "server", "Run the Ferry server (tracking API, MLflow-compatible API).");
  cmd->add_option("--host", flags->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", flags->port, "Port to listen on (0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--grpc-port", flags->grpc_port,
                  "Port for the Open Inference Protocol over gRPC (0 = any free port, -1 = off)")
      ->capture_default_str()->check(CLI::Range(-1, 65535));
  cmd->add_option("--data-dir", flags->data_dir,
                  "Directory for the default store and artifacts")
      ->capture_default_str();
  cmd->add_option("--store", flags->store,
                  "Metadata store URL: sqlite:///path/ferry.db or "
                  "postgresql://user@host:port/db (default: <data-dir>/ferry.db)");
  cmd->add_option("--artifacts", flags->artifacts,
                  "Artifact root directory (default: <data-dir>/artifacts)");
  cmd->add_option("--payload-dir", flags->payloads,
                  "Where served requests and answers are logged (default: <data-dir>/payloads)");
  cmd->add_option("--io-threads", flags->io_threads, "Network I/O threads")
      ->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--workers", flags->workers, "Request handler threads")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--monitor-interval", flags->monitor_interval_s,
                  "Seconds between monitoring passes over the payload log (0: on request only)")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));
  cmd->add_option("--monitor-window", flags->monitor_window_s,
                  "Seconds per monitoring window (profiles, drift and alert evaluation)")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 86400));
  cmd->add_option("--pipeline-executor", flags->pipeline_executor,
                  "Where pipeline steps run: local (processes here) or kubernetes (a Job per step, via kubectl; "
                  "deploy/kubernetes/README.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"local", "kubernetes"}));
  cmd->add_option("--advertise-url", flags->advertise_url,
                  "The URL pipeline steps use to reach this server (default: the one it listens on)");
  cmd->add_option("--k8s-image", flags->k8s.job.image, "Kubernetes executor: the steps' image (holding ferry)");
  cmd->add_option("--k8s-namespace", flags->k8s.job.namespace_name, "Kubernetes executor: the Jobs' namespace");
  cmd->add_option("--k8s-pvc", flags->k8s.job.workspace_pvc,
                  "Kubernetes executor: the claim mounted at each pipeline's workspace");
  cmd->add_option("--k8s-service-account", flags->k8s.job.service_account, "Kubernetes executor: the pods' account");
  cmd->add_option("--kubectl", flags->k8s.kubectl, "Kubernetes executor: the kubectl to run")->capture_default_str();
  cmd->add_option("--pipeline-parallel", flags->pipeline_parallel,
                  "Pipeline steps running at once on this machine (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--max-body-mb", flags->max_body_mb,
                  "Largest buffered request body, in MiB (uploads stream)")
      ->capture_default_str();
  cmd->add_option("--ui-dir", flags->ui_dir,
                  "Folder of the built web UI (default: ui/dist found next to the binary, or $FERRY_UI_DIR)");
  cmd->add_flag("--quiet", flags->quiet, "No access log (warnings and errors only)");
  cmd->callback([flags, &exit_code] { exit_code = RunServer(*flags); });
}

}  // namespace ferry::cli
