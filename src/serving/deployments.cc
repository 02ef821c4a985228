// Deployments, control plane: building arms, storing specs, hot reload and
// retirement, status (see deployments.h; the data plane is deployments_infer.cc).
#include "serving/deployments.h"

#include <chrono>
#include <thread>

#include "core/log.h"
#include "serving/deployments_internal.h"

namespace ferry::serving {

using Json = nlohmann::json;

namespace {

std::string RefOf(const DeploymentSpec& spec, Role role) {
  switch (role) {
    case Role::kPrimary: return spec.model;
    case Role::kCanary: return spec.canary;
    case Role::kShadow: return spec.shadow;
  }
  return "";
}

bool SameBatching(const BatchOptions& a, const BatchOptions& b) {
  return a.max_batch_size == b.max_batch_size && a.max_queue_delay_us == b.max_queue_delay_us &&
         a.instances == b.instances && a.max_queue == b.max_queue;
}

// Waits until `ptr` is the only reference (no request holds it).
template <typename T>
void WaitSole(const std::shared_ptr<T>& ptr) {
  using namespace std::chrono_literals;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (ptr.use_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200us);
  }
  if (ptr.use_count() > 1) {
    Log(LogLevel::kWarn, "retiring a model version still referenced after 60 s");
  }
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPrimary: return "primary";
    case Role::kCanary: return "canary";
    case Role::kShadow: return "shadow";
  }
  return "primary";
}

std::string RefModelName(std::string_view ref) {
  if (ref.starts_with("models:/")) ref.remove_prefix(8);
  size_t cut = ref.find_first_of("@/");
  return std::string(ref.substr(0, cut));
}

Deployments::Deployments(store::Database* db, ResolveFn resolve, const Clock& clock,
                         PayloadLog* payloads)
    : db_(db), resolve_(std::move(resolve)), clock_(clock), payloads_(payloads) {}

Deployments::~Deployments() { Stop(); }

Result<std::shared_ptr<Runner>> Deployments::LoadRunner(const ResolvedModel& resolved,
                                                        const BatchOptions& batching) {
  ASSIGN_OR_RETURN(ModelPackage package, ReadModelPackage(resolved.package_dir));
  auto runner = Runner::Load(package, batching, resolved.model, resolved.version,
                             [this, model = resolved.model, version = resolved.version](
                                 const BatchTiming& timing) {
                               metrics_.ObserveBatch(model, version, timing);
                             });
  if (!runner.ok()) {
    return Status(runner.status().code(), resolved.model + " version " +
                                              std::to_string(resolved.version) +
                                              ": " + runner.status().message());
  }
  return runner;
}

// Builds the arms of `spec`, reusing `previous`'s runners where the
// reference resolves to the same version with the same batching. When
// `lenient` (start-up), an arm that fails to load is kept with its error.
Result<Deployments::DeploymentPtr> Deployments::Build(const DeploymentSpec& spec,
                                                      const Deployment* previous, bool lenient) {
  auto d = std::make_shared<Deployment>();
  d->spec = spec;
  for (Role role : kRoles) {
    std::string ref = RefOf(spec, role);
    if (ref.empty()) continue;
    auto arm = std::make_unique<Arm>();
    arm->role = role;
    arm->ref = ref;
    Result<ResolvedModel> resolved = resolve_(ref);
    Result<std::shared_ptr<Runner>> runner = resolved.status();
    if (resolved.ok()) {
      const Arm* old = previous ? previous->arm(role) : nullptr;
      std::shared_ptr<Runner> existing = old ? old->runner.load() : nullptr;
      if (existing && existing->version() == resolved->version &&
          existing->model() == resolved->model && SameBatching(previous->spec.batching, spec.batching)) {
        runner = existing;
      } else {
        runner = LoadRunner(*resolved, spec.batching);
      }
    }
    if (!runner.ok()) {
      if (!lenient) {
        return Status(runner.status().code(), "'" + std::string(RoleName(role)) + "' model " + ref +
                                                  ": " + runner.status().message());
      }
      arm->error = runner.status().message();
    } else {
      arm->runner.store(*runner);
      arm->loaded_time = clock_.NowMillis();
    }
    d->arms[static_cast<size_t>(role)] = std::move(arm);
  }
  return d;
}

Status Deployments::Persist(const DeploymentSpec& spec, bool create, int64_t* created,
                            int64_t now) {
  if (!db_) {
    *created = now;
    return Status::Ok();
  }
  std::string text = SpecToJson(spec).dump();
  return db_->Write([&](store::SqlConnection& conn) -> Status {
    if (create) {
      auto inserted = conn.Execute(
          "INSERT INTO deployments (name, spec, created_time, updated_time) VALUES (?, ?, ?, ?)",
          {spec.name, text, now, now});
      if (inserted.status().code() == StatusCode::kAlreadyExists) {
        return AlreadyExists("Deployment '" + spec.name + "' already exists");
      }
      RETURN_IF_ERROR(inserted.status());
      *created = now;
      return Status::Ok();
    }
    RETURN_IF_ERROR(conn.Execute(
                            "INSERT INTO deployments (name, spec, created_time, updated_time) "
                            "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                            "spec = excluded.spec, updated_time = excluded.updated_time",
                            {spec.name, text, now, now})
                        .status());
    ASSIGN_OR_RETURN(*created, store::QueryInt(conn,
                                               "SELECT created_time FROM deployments WHERE name = ?",
                                               {spec.name}));
    return Status::Ok();
  });
}

Result<DeploymentStatus> Deployments::Put(const DeploymentSpec& spec, bool create) {
  RETURN_IF_ERROR(ValidateDeploymentName(spec.name));
  std::lock_guard admin(admin_mu_);
  DeploymentPtr previous = Find(spec.name);
  if (create && previous) return AlreadyExists("Deployment '" + spec.name + "' already exists");
  ASSIGN_OR_RETURN(DeploymentPtr d, Build(spec, previous.get(), false));
  int64_t now = clock_.NowMillis();
  Status persisted = Persist(spec, create, &d->created_time, now);
  if (!persisted.ok()) {
    Retire(std::move(d), previous.get());
    return persisted;
  }
  d->updated_time = now;
  {
    std::unique_lock lock(map_mu_);
    map_[spec.name] = d;
  }
  DeploymentStatus status = StatusOf(*d);
  if (previous) Retire(std::move(previous), d.get());
  return status;
}

Result<DeploymentStatus> Deployments::Create(const DeploymentSpec& spec) { return Put(spec, true); }
Result<DeploymentStatus> Deployments::Replace(const DeploymentSpec& spec) { return Put(spec, false); }

Status Deployments::Delete(const std::string& name) {
  std::lock_guard admin(admin_mu_);
  DeploymentPtr old = Find(name);
  if (!old) return NotFound("Deployment '" + name + "' not found");
  if (db_) {
    RETURN_IF_ERROR(db_->Write([&](store::SqlConnection& conn) {
      return conn.Execute("DELETE FROM deployments WHERE name = ?", {name}).status();
    }));
  }
  {
    std::unique_lock lock(map_mu_);
    map_.erase(name);
  }
  Retire(std::move(old), nullptr);
  return Status::Ok();
}

Status Deployments::LoadStored() {
  struct Stored {
    std::string name, spec;
    int64_t created, updated;
  };
  std::vector<Stored> rows;
  if (!db_) return Status::Ok();
  RETURN_IF_ERROR(db_->Read([&](store::SqlConnection& conn) {
    return conn.Query("SELECT name, spec, created_time, updated_time FROM deployments ORDER BY name",
                      {}, [&](const store::Row& r) {
                        rows.push_back({r.GetText(0), r.GetText(1), r.GetInt(2), r.GetInt(3)});
                        return Status::Ok();
                      });
  }));
  std::lock_guard admin(admin_mu_);
  for (const Stored& row : rows) {
    Json json = Json::parse(row.spec, nullptr, false);
    auto spec = SpecFromJson(json, row.name);
    if (!spec.ok()) {
      Log(LogLevel::kError, "stored deployment is invalid",
          {{"deployment", row.name}, {"error", spec.status().message()}});
      continue;
    }
    auto d = Build(*spec, nullptr, /*lenient=*/true);
    if (!d.ok()) continue;
    (*d)->created_time = row.created;
    (*d)->updated_time = row.updated;
    for (Role role : kRoles) {
      if (Arm* arm = (*d)->arm(role); arm && !arm->error.empty()) {
        Log(LogLevel::kError, "deployment arm failed to load",
            {{"deployment", row.name}, {"arm", std::string(RoleName(role))}, {"error", arm->error}});
      }
    }
    std::unique_lock lock(map_mu_);
    map_[row.name] = *std::move(d);
  }
  return Status::Ok();
}

void Deployments::RetireRunner(std::shared_ptr<Runner> runner) {
  if (!runner) return;
  WaitSole(runner);
  runner->Stop();  // queued requests finish first
}

void Deployments::Retire(DeploymentPtr old, const Deployment* keep) {
  WaitSole(old);  // in-flight requests hold the deployment until answered
  for (Role role : kRoles) {
    Arm* arm = old->arm(role);
    if (!arm) continue;
    std::shared_ptr<Runner> runner = arm->runner.exchange(nullptr);
    bool kept = false;
    if (keep) {
      for (Role k : kRoles) {
        const Arm* other = keep->arm(k);
        kept = kept || (other && other->runner.load() == runner);
      }
    }
    if (!kept) RetireRunner(std::move(runner));
  }
}

Deployments::DeploymentPtr Deployments::Find(const std::string& name) const {
  std::shared_lock lock(map_mu_);
  auto it = map_.find(name);
  return it == map_.end() ? nullptr : it->second;
}

bool Deployments::Exists(const std::string& name) const { return Find(name) != nullptr; }

Result<ModelIo> Deployments::Io(const std::string& name) const {
  DeploymentPtr d = Find(name);
  if (!d) return NotFound("Deployment '" + name + "' not found");
  auto runner = d->arm(Role::kPrimary)->runner.load();
  if (!runner) return Unavailable("Deployment '" + name + "' has no loaded model");
  return runner->io();
}

Result<ModelMetadata> Deployments::Metadata(const std::string& name,
                                            std::optional<int64_t> version) const {
  ASSIGN_OR_RETURN(DeploymentStatus d, Get(name));
  ModelMetadata meta{name, {}, "", {}};
  const ArmStatus* chosen = nullptr;
  for (const ArmStatus& a : d.arms) {
    if (!a.ready || !a.healthy || a.role == Role::kShadow) continue;
    meta.versions.push_back(a.version);
    bool match = version ? a.version == *version : a.role == Role::kPrimary;
    if (match && !chosen) chosen = &a;
  }
  if (!chosen) {
    if (version) {
      return NotFound("Deployment '" + name + "' does not serve version " +
                      std::to_string(*version));
    }
    return Unavailable("Deployment '" + name + "' has no loaded model");
  }
  meta.platform = "ferry_" + chosen->backend;
  meta.io = chosen->io;
  meta.max_batch_size = d.spec.batching.max_batch_size;
  return meta;
}

Result<std::string> Deployments::OnlyName() const {
  std::shared_lock lock(map_mu_);
  if (map_.size() != 1) {
    return InvalidArgument(std::to_string(map_.size()) +
                           " deployments exist; name one with header Ferry-Deployment or POST "
                           "/api/v1/deployments/<name>/invocations");
  }
  return map_.begin()->first;
}

DeploymentStatus Deployments::StatusOf(const Deployment& d) const {
  DeploymentStatus s;
  s.spec = d.spec;
  s.created_time = d.created_time;
  s.updated_time = d.updated_time;
  s.shadow_compared = d.shadow_compared.load();
  s.shadow_agreed = d.shadow_agreed.load();
  for (Role role : kRoles) {
    const Arm* arm = d.arm(role);
    if (!arm) continue;
    ArmStatus a;
    a.role = role;
    a.ref = arm->ref;
    a.requests = arm->requests.load();
    a.failures = arm->failures.load();
    {
      std::lock_guard lock(arm->mu);
      a.error = arm->error;
      a.loaded_time = arm->loaded_time;
    }
    if (auto runner = arm->runner.load()) {
      a.ready = true;
      a.model = runner->model();
      a.version = runner->version();
      a.io = runner->io();
      a.backend = runner->package().backend;
      if (std::string why = runner->Unhealthy(); !why.empty()) {
        a.healthy = false;
        a.error = why;
      }
    } else {
      a.model = RefModelName(arm->ref);
    }
    s.arms.push_back(std::move(a));
  }
  return s;
}

Result<DeploymentStatus> Deployments::Get(const std::string& name) const {
  DeploymentPtr d = Find(name);
  if (!d) return NotFound("Deployment '" + name + "' not found");
  return StatusOf(*d);
}

std::vector<DeploymentStatus> Deployments::List() const {
  std::vector<DeploymentPtr> all;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [name, d] : map_) all.push_back(d);
  }
  std::vector<DeploymentStatus> out;
  for (const auto& d : all) out.push_back(StatusOf(*d));
  return out;
}

void Deployments::ReloadModel(const std::string& model) {
  std::lock_guard admin(admin_mu_);
  std::vector<DeploymentPtr> all;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [name, d] : map_) all.push_back(d);
  }
  for (const DeploymentPtr& d : all) {
    for (Role role : kRoles) {
      Arm* arm = d->arm(role);
      if (!arm || RefModelName(arm->ref) != model) continue;
      Result<ResolvedModel> resolved = resolve_(arm->ref);
      Result<std::shared_ptr<Runner>> fresh = resolved.status();
      if (resolved.ok()) {
        // Only the version is kept: a reference held here would stall the
        // old runner's retirement below.
        int64_t current = -1;
        if (auto r = arm->runner.load()) current = r->version();
        if (current == resolved->version) continue;
        fresh = LoadRunner(*resolved, d->spec.batching);
      }
      if (!fresh.ok()) {
        Log(LogLevel::kError, "reload failed; the arm keeps its current version",
            {{"deployment", d->spec.name}, {"ref", arm->ref}, {"error", fresh.status().message()}});
        std::lock_guard lock(arm->mu);
        arm->error = fresh.status().message();
        continue;
      }
      auto old = arm->runner.exchange(*fresh);
      {
        std::lock_guard lock(arm->mu);
        arm->error.clear();
        arm->loaded_time = clock_.NowMillis();
      }
      Log(LogLevel::kInfo, "deployment arm swapped",
          {{"deployment", d->spec.name}, {"ref", arm->ref},
           {"version", std::to_string((*fresh)->version())}});
      RetireRunner(std::move(old));
    }
  }
}

void Deployments::Start(EventBus& bus) {
  {
    std::lock_guard lock(reload_mu_);
    stopping_ = false;
  }
  reload_thread_ = std::thread([this] { ReloadLoop(); });
  bus_ = &bus;
  subscription_ = bus.Subscribe([this](const BusEvent& e) {
    if (e.type != "registry.set_alias" && e.type != "registry.delete_alias") return;
    {
      std::lock_guard lock(reload_mu_);
      reload_queue_.push_back(e.subject);
    }
    reload_cv_.notify_one();
  });
}

void Deployments::ReloadLoop() {
  std::unique_lock lock(reload_mu_);
  for (;;) {
    reload_cv_.wait(lock, [&] { return stopping_ || !reload_queue_.empty(); });
    if (stopping_) return;
    std::string model = std::move(reload_queue_.front());
    reload_queue_.pop_front();
    lock.unlock();
    ReloadModel(model);
    lock.lock();
  }
}

void Deployments::Stop() {
  if (bus_) {
    bus_->Unsubscribe(subscription_);
    bus_ = nullptr;
  }
  {
    std::lock_guard lock(reload_mu_);
    stopping_ = true;
  }
  reload_cv_.notify_all();
  if (reload_thread_.joinable()) reload_thread_.join();
  std::lock_guard admin(admin_mu_);
  std::map<std::string, DeploymentPtr> all;
  {
    std::unique_lock lock(map_mu_);
    all.swap(map_);
  }
  for (auto& [name, d] : all) Retire(std::move(d), nullptr);
}

}  // namespace ferry::serving
