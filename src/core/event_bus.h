// EventBus: in-process publish/subscribe for what other subsystems react to
// (a version created, an alias moved; later alerts and dataset versions).
// Publish calls every subscriber on the publisher's thread, after the change
// is committed; subscribers must be quick and must not throw (the webhook
// deliverer only wakes its thread; serving will schedule a reload). Events
// that must survive a crash are read from the store (registry_events), not
// from here. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct BusEvent {
  std::string type;     // "registry.set_alias", "registry.create_version", ...
  std::string subject;  // e.g. the model name
  std::optional<int64_t> version;
};

class EventBus {
 public:
  using Handler = std::function<void(const BusEvent&)>;

  // Returns an id for Unsubscribe.
  int Subscribe(Handler handler) {
    std::lock_guard lock(mu_);
    subscribers_.push_back({next_id_, std::move(handler)});
    return next_id_++;
  }

  void Unsubscribe(int id) {
    std::lock_guard lock(mu_);
    std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
  }

  void Publish(const BusEvent& event) {
    std::vector<Subscriber> copy;
    {
      std::lock_guard lock(mu_);
      copy = subscribers_;
    }
    for (const Subscriber& s : copy) s.handler(event);
  }

 private:
  struct Subscriber {
    int id;
    Handler handler;
  };
  std::mutex mu_;
  std::vector<Subscriber> subscribers_;  // guarded by mu_
  int next_id_ = 1;                      // guarded by mu_
};

}  // namespace ferry
