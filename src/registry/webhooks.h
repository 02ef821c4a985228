// Webhooks: registry events POSTed to user URLs, signed, retried, logged.
//
// The audit table registry_events is the outbox: a change and its event
// commit together, and each webhook keeps a cursor (the last event it has
// finished with), so an event is delivered even if the server dies right
// after the change. A deliverer thread wakes on the event bus (or every
// poll interval), reads the events past each cursor that match the
// webhook's model and actions, and POSTs each as JSON with
//   X-Ferry-Event: <action>   X-Ferry-Delivery: <webhook id>-<event id>
//   X-Ferry-Signature: sha256=<hex HMAC-SHA256(secret, body)>
// A non-2xx answer or a network error is retried with doubling backoff up to
// max_attempts; every attempt is recorded in webhook_deliveries. After the
// last attempt the cursor moves on (a dead receiver does not stall the
// others' events forever). One deliverer per server process: several
// replicas on one PostgreSQL would each deliver (not yet coordinated).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/event_bus.h"
#include "core/status.h"
#include "store/database.h"

namespace ferry::registry {

struct Webhook {
  int64_t id = 0;
  std::string url;
  std::string model;                 // empty: every model
  std::vector<std::string> actions;  // empty: every action
  int64_t created_time = 0;
};

struct Delivery {
  int64_t id = 0;
  int64_t webhook_id = 0;
  int64_t event_id = 0;
  int attempt = 0;
  int status_code = 0;  // 0 when no HTTP answer
  std::string error;
  bool delivered = false;
  int64_t time = 0;
};

struct WebhookOptions {
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{200};
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds poll{1000};
};

class Webhooks {
 public:
  Webhooks(store::Database& db, const Clock& clock, WebhookOptions options = {})
      : db_(db), clock_(clock), options_(options) {}
  ~Webhooks() { Stop(); }
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Receives events created from now on. `url` must be http://.
  Result<Webhook> Create(const std::string& url, const std::string& secret,
                         const std::string& model, const std::vector<std::string>& actions);
  Result<std::vector<Webhook>> List();
  Status Delete(int64_t id);
  Result<std::vector<Delivery>> Deliveries(int64_t webhook_id, int64_t limit);

  // Starts the deliverer thread, woken by `bus` events. Stop() ends it.
  void Start(EventBus& bus);
  void Stop();
  // One delivery pass over every webhook (what the thread runs).
  Status DeliverPending();

 private:
  Status DeliverFor(const Webhook& hook, const std::string& secret, int64_t cursor);
  // Sleeps unless stopping; false when stopping.
  bool Pause(std::chrono::milliseconds d);

  store::Database& db_;
  const Clock& clock_;
  const WebhookOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;      // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
  EventBus* bus_ = nullptr;
  int subscription_ = 0;
};

// "sha256=" + lowercase hex HMAC-SHA256 of `body` keyed by `secret`.
std::string WebhookSignature(const std::string& secret, const std::string& body);

}  // namespace ferry::registry
