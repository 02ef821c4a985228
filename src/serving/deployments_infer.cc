// Deployments, data plane: choosing an arm, queueing the request on its
// runner, answering, then the payload log and the shadow (see deployments.h).
#include <chrono>
#include <random>

#include "core/ids.h"
#include "serving/deployments_internal.h"
#include "serving/traffic.h"

namespace ferry::serving {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

bool Sampled(double rate) {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  return static_cast<double>(Rng()() % 1000000) < rate * 1000000;
}

}  // namespace

void Deployments::Infer(InferCall call, std::function<void(InferAnswer)> done) {
  auto start = std::chrono::steady_clock::now();
  DeploymentPtr d = Find(call.deployment);
  if (!d) {
    return done({NotFound("Deployment '" + call.deployment + "' not found")});
  }
  Arm* arm = d->arm(Role::kPrimary);
  Arm* canary = d->arm(Role::kCanary);
  std::shared_ptr<Runner> runner;
  if (call.version) {
    arm = nullptr;
    for (Arm* a : {d->arm(Role::kPrimary), canary}) {
      if (!a || arm) continue;
      auto r = a->runner.load();
      if (r && r->version() == *call.version) {
        arm = a;
        runner = std::move(r);
      }
    }
    if (!arm) {
      return done({NotFound("Deployment '" + call.deployment + "' does not serve version " +
                            std::to_string(*call.version))});
    }
  } else {
    if (canary && canary->runner.load() &&
        (call.routing_key.empty() ? InCanaryBucket(Rng()(), d->spec.canary_percent)
                                  : RoutesToCanary(call.routing_key, d->spec.canary_percent))) {
      arm = canary;
    }
    runner = arm->runner.load();
  }
  arm->requests.fetch_add(1, std::memory_order_relaxed);
  if (!runner) {
    arm->failures.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(arm->mu);
    return done({Unavailable("Deployment '" + call.deployment + "' has no loaded " +
                             std::string(RoleName(arm->role)) + " model: " + arm->error)});
  }
  const Arm* shadow = d->arm(Role::kShadow);
  bool shadowed = shadow && shadow->runner.load() && arm->role == Role::kPrimary;
  bool logged = payloads_ && Sampled(d->spec.payload_sample_rate);
  std::vector<Tensor> inputs_copy;
  if (shadowed || logged) inputs_copy = call.inputs;
  Role role = arm->role;
  auto context = std::make_shared<CallContext>(CallContext{
      d, arm, runner->model(), runner->version(), NewRunId(), start, std::move(done)});
  Status st = runner->Infer(
      std::move(call.inputs),
      [this, context, shadowed, logged, role, inputs = std::move(inputs_copy)](
          Batcher::Outputs out, double queued) mutable {
        Finish(*context, role, std::move(out), queued, shadowed, logged, std::move(inputs));
      });
  if (!st.ok()) {
    if (st.code() != StatusCode::kInvalidArgument) arm->failures.fetch_add(1);
    metrics_.ObserveRequest(d->spec.name, context->model, context->version, RoleName(role),
                            st.code(), 0, 0);
    context->done({st, "", context->model, context->version, role});
  }
}

// Answers the caller first; then the payload log and the shadow, which never
// delay or change the answer.
void Deployments::Finish(CallContext& c, Role role, Batcher::Outputs out, double queued,
                         bool shadowed, bool logged, std::vector<Tensor> inputs) {
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - c.start).count();
  metrics_.ObserveRequest(c.d->spec.name, c.model, c.version, RoleName(role), out.status().code(),
                          total, queued);
  InferAnswer answer{out.status(), c.prediction_id, c.model, c.version, role, {}, queued};
  std::vector<Tensor> outputs;
  if (out.ok()) {
    if (shadowed || logged) outputs = *out;
    answer.outputs = std::move(out).value();
  } else {
    c.arm->failures.fetch_add(1, std::memory_order_relaxed);
  }
  c.done(std::move(answer));
  if (outputs.empty()) return;
  if (logged) {
    LogPayload(*c.d, c.model, c.version, role, c.prediction_id,
               shadowed ? inputs : std::move(inputs), shadowed ? outputs : std::move(outputs));
  }
  if (shadowed) Shadow(c.d, std::move(inputs), std::move(outputs), c.prediction_id, logged);
}

void Deployments::LogPayload(const Deployment& d, const std::string& model, int64_t version,
                             Role role, const std::string& prediction_id,
                             std::vector<Tensor> inputs, std::vector<Tensor> outputs) {
  payloads_->TryPush({prediction_id, clock_.NowMillis(), d.spec.name, model, version,
                      std::string(RoleName(role)), std::move(inputs), std::move(outputs)});
}

// Runs the shadow after the primary answered; its answer feeds the
// comparison counters and the payload log. Never fails the call.
void Deployments::Shadow(const DeploymentPtr& d, std::vector<Tensor> inputs,
                         std::vector<Tensor> primary, const std::string& prediction_id,
                         bool logged) {
  Arm* arm = d->arm(Role::kShadow);
  std::shared_ptr<Runner> runner = arm->runner.load();
  if (!runner) return;
  arm->requests.fetch_add(1, std::memory_order_relaxed);
  std::vector<Tensor> logged_inputs;
  if (logged) logged_inputs = inputs;
  Status st = runner->Infer(
      std::move(inputs),
      [this, d, arm, primary = std::move(primary), prediction_id, logged,
       model = runner->model(), version = runner->version(),
       logged_inputs = std::move(logged_inputs)](Batcher::Outputs out, double) mutable {
        metrics_.ObserveRequest(d->spec.name, model, version, "shadow", out.status().code(), 0, 0);
        if (!out.ok()) {
          arm->failures.fetch_add(1, std::memory_order_relaxed);
          return;
        }
        d->shadow_compared.fetch_add(1, std::memory_order_relaxed);
        if (!out->empty() && out->front().data == primary.front().data) {
          d->shadow_agreed.fetch_add(1, std::memory_order_relaxed);
        }
        if (logged) {
          LogPayload(*d, model, version, Role::kShadow, prediction_id, std::move(logged_inputs),
                     std::move(out).value());
        }
      });
  if (!st.ok()) arm->failures.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace ferry::serving
