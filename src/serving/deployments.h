// Deployments: the live endpoints. Each deployment holds up to three arms
// (primary, canary, shadow), each a registry reference and the Runner of the
// version it resolved to.
//
// Control plane (Create/Replace/Delete, reloads) is serialized by one mutex
// and may block on model loads; specs are stored in the metadata store and
// reloaded at start. The data plane (Infer) takes a shared lock for the map
// lookup and an atomic load of the runner: no store I/O, no waiting on
// control operations.
//
// Hot reload: Start(bus) subscribes to registry events; when an alias moves
// (or is deleted) the arms that name it are re-resolved on the reload
// thread. A new version is loaded and warmed up beside the old one, then
// swapped in atomically; the old runner is retired once no request holds
// it: its queued requests finish, then its threads stop. If the new version
// fails to load, the arm keeps serving the old one and reports the error.
//
// Retirement always drops the last reference on a control thread, never
// on a batcher thread (a Runner must not be destroyed by its own thread).
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/event_bus.h"
#include "serving/deployment_spec.h"
#include "serving/payload_log.h"
#include "serving/runner.h"
#include "serving/serving_metrics.h"
#include "store/database.h"

namespace ferry::serving {

// A registry reference resolved to a local package.
struct ResolvedModel {
  std::string model;
  int64_t version = 0;
  std::string package_dir;
};
using ResolveFn = std::function<Result<ResolvedModel>(const std::string& ref)>;

enum class Role { kPrimary = 0, kCanary = 1, kShadow = 2 };
std::string_view RoleName(Role role);

struct ArmStatus {
  Role role = Role::kPrimary;
  std::string ref;
  std::string model;
  int64_t version = 0;
  bool ready = false;    // a version is loaded
  bool healthy = true;   // … and its instances take work
  std::string error;  // the last load error or why it is unhealthy
  int64_t loaded_time = 0;
  uint64_t requests = 0;
  uint64_t failures = 0;
  ModelIo io;
  std::string backend;
};

struct DeploymentStatus {
  DeploymentSpec spec;
  int64_t created_time = 0;
  int64_t updated_time = 0;
  std::vector<ArmStatus> arms;
  uint64_t shadow_compared = 0;  // shadow answers compared with the primary's
  uint64_t shadow_agreed = 0;    // … and equal to it
};

// What the Open Inference Protocol's model metadata reports: the versions
// the primary and canary serve, and the inputs/outputs of the one asked for
// (the primary's by default).
struct ModelMetadata {
  std::string name;
  std::vector<int64_t> versions;
  std::string platform;  // "ferry_<backend>"
  ModelIo io;
  int max_batch_size = 0;  // the deployment's batching limit
};

// One inference through a deployment.
struct InferCall {
  std::string deployment;
  std::optional<int64_t> version;  // only the arm serving this version
  std::string routing_key;         // canary stickiness; empty = random
  std::vector<Tensor> inputs;
};

struct InferAnswer {
  Status status;
  std::string prediction_id;  // set once the request reached a model
  std::string model;
  int64_t version = 0;
  Role role = Role::kPrimary;
  std::vector<Tensor> outputs;
  double queue_seconds = 0;
};

class Deployments {
 public:
  // `db` stores the specs (null on a data-plane replica, whose specs come
  // from the control plane); `payloads`, when given, receives the sampled
  // requests and answers.
  Deployments(store::Database* db, ResolveFn resolve, const Clock& clock,
              PayloadLog* payloads = nullptr);
  ~Deployments();
  Deployments(const Deployments&) = delete;
  Deployments& operator=(const Deployments&) = delete;

  // Loads every stored deployment (a failed load is reported, not fatal).
  Status LoadStored();
  // Creates (kAlreadyExists when taken) or replaces. References must
  // resolve and load; otherwise nothing changes and the error says why.
  Result<DeploymentStatus> Create(const DeploymentSpec& spec);
  Result<DeploymentStatus> Replace(const DeploymentSpec& spec);
  Status Delete(const std::string& name);
  Result<DeploymentStatus> Get(const std::string& name) const;
  std::vector<DeploymentStatus> List() const;
  bool Exists(const std::string& name) const;
  // The primary's inputs and outputs (kNotFound / kUnavailable when none).
  Result<ModelIo> Io(const std::string& name) const;
  // kNotFound for an unknown deployment or a version it does not serve;
  // kUnavailable when nothing is loaded.
  Result<ModelMetadata> Metadata(const std::string& name, std::optional<int64_t> version) const;
  // The deployment's name when exactly one exists (for a bare /invocations).
  Result<std::string> OnlyName() const;

  // Data plane. `done` is called exactly once, maybe before Infer returns.
  void Infer(InferCall call, std::function<void(InferAnswer)> done);

  // Re-resolves every arm naming `model` now (what an alias move triggers).
  void ReloadModel(const std::string& model);
  // Subscribes to registry events and starts the reload thread.
  void Start(EventBus& bus);
  // Unsubscribes, stops the reload thread, retires every runner.
  void Stop();
  // The deployment's requests so far: {all, failed with a server error}.
  std::pair<uint64_t, uint64_t> RequestTotals(const std::string& deployment) const {
    return metrics_.RequestTotals(deployment);
  }
  // The deployment's requests and latency histograms per model version.
  std::vector<VersionStats> Stats(const std::string& deployment) const {
    return metrics_.DeploymentStats(deployment);
  }
  // Serving metrics in Prometheus' text format.
  std::string RenderMetrics() const {
    return metrics_.Render(payloads_ ? payloads_->dropped() : 0);
  }

 private:
  struct Arm;
  struct Deployment;
  using DeploymentPtr = std::shared_ptr<Deployment>;

  Result<std::shared_ptr<Runner>> LoadRunner(const ResolvedModel& resolved,
                                             const BatchOptions& batching);
  Result<DeploymentPtr> Build(const DeploymentSpec& spec, const Deployment* previous,
                              bool lenient);
  Result<DeploymentStatus> Put(const DeploymentSpec& spec, bool create);
  Status Persist(const DeploymentSpec& spec, bool create, int64_t* created, int64_t now);
  void Retire(DeploymentPtr old, const Deployment* keep);
  static void RetireRunner(std::shared_ptr<Runner> runner);
  DeploymentPtr Find(const std::string& name) const;
  DeploymentStatus StatusOf(const Deployment& d) const;
  void ReloadLoop();
  // One request in flight, shared by its completion callback.
  struct CallContext {
    DeploymentPtr d;
    Arm* arm;
    std::string model;
    int64_t version;
    std::string prediction_id;
    std::chrono::steady_clock::time_point start;
    std::function<void(InferAnswer)> done;
  };
  void Finish(CallContext& c, Role role, Batcher::Outputs out, double queued, bool shadowed,
              bool logged, std::vector<Tensor> inputs);
  void Shadow(const DeploymentPtr& d, std::vector<Tensor> inputs,
              std::vector<Tensor> primary_outputs, const std::string& prediction_id, bool logged);
  void LogPayload(const Deployment& d, const std::string& model, int64_t version, Role role,
                  const std::string& prediction_id, std::vector<Tensor> inputs,
                  std::vector<Tensor> outputs);

  store::Database* db_;
  ResolveFn resolve_;
  const Clock& clock_;
  PayloadLog* payloads_;
  ServingMetrics metrics_;

  std::mutex admin_mu_;  // serializes control-plane changes
  mutable std::shared_mutex map_mu_;
  std::map<std::string, DeploymentPtr> map_;  // guarded by map_mu_

  std::mutex reload_mu_;
  std::condition_variable reload_cv_;
  std::deque<std::string> reload_queue_;  // guarded by reload_mu_
  bool stopping_ = false;                 // guarded by reload_mu_
  std::thread reload_thread_;
  EventBus* bus_ = nullptr;
  int subscription_ = 0;
};

// The model name a reference names ("models:/fraud@champion" → "fraud").
std::string RefModelName(std::string_view ref);

}  // namespace ferry::serving
