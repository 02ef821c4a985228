#include "registry/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/http_client.h"
#include "core/log.h"

namespace ferry::registry {
namespace {

using Json = nlohmann::json;
using store::Row;
using store::SqlConnection;

constexpr size_t kMaxUrlLength = 2048;
constexpr int64_t kEventsPerPass = 100;

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Webhook ReadWebhook(const Row& row) {
  return {row.GetInt(0), row.GetText(1), row.GetText(2), Split(row.GetText(3)), row.GetInt(4)};
}

struct Stored {
  Webhook hook;
  std::string secret;
  int64_t cursor;
};

struct EventRow {
  int64_t id;
  std::string model;
  std::string action;
  std::string body;  // the JSON payload
};

Json State(const std::string& text) {
  if (text.empty()) return nullptr;
  Json j = Json::parse(text, nullptr, false);
  return j.is_discarded() ? Json(nullptr) : j;
}

bool Matches(const Webhook& hook, const EventRow& e) {
  bool model = hook.model.empty() || hook.model == e.model;
  bool action = hook.actions.empty() ||
                std::find(hook.actions.begin(), hook.actions.end(), e.action) != hook.actions.end();
  return model && action;
}

}  // namespace

std::string WebhookSignature(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

Result<Webhook> Webhooks::Create(const std::string& url, const std::string& secret,
                                 const std::string& model,
                                 const std::vector<std::string>& actions) {
  if (!url.starts_with("http://") || url.size() > kMaxUrlLength || url.size() <= 7) {
    return InvalidArgument("Invalid value for parameter 'url': a webhook URL is http://host[:port]/path "
                           "(at most 2048 characters)");
  }
  if (secret.size() < 16 || secret.size() > 256) {
    return InvalidArgument("Invalid value for parameter 'secret': use 16 to 256 characters");
  }
  for (const std::string& a : actions) {
    if (a.empty() || a.find(',') != std::string::npos || a.size() > 64) {
      return InvalidArgument("Invalid value in parameter 'events': '" + a.substr(0, 64) + "'");
    }
  }
  Webhook hook{0, url, model, actions, clock_.NowMillis()};
  RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t last, store::QueryInt(conn,
                                                   "SELECT COALESCE(MAX(event_id), 0) FROM "
                                                   "registry_events",
                                                   {}));
    return conn.Query("INSERT INTO webhooks (url, secret, model, actions, created_time, "
                      "cursor_event_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING webhook_id",
                      {url, secret, model, Join(actions), hook.created_time, last},
                      [&](const Row& row) {
                        hook.id = row.GetInt(0);
                        return Status::Ok();
                      });
  }));
  return hook;
}

Result<std::vector<Webhook>> Webhooks::List() {
  std::vector<Webhook> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query("SELECT webhook_id, url, model, actions, created_time FROM webhooks ORDER "
                      "BY webhook_id",
                      {}, [&](const Row& row) {
                        out.push_back(ReadWebhook(row));
                        return Status::Ok();
                      });
  }));
  return out;
}

Status Webhooks::Delete(int64_t id) {
  return db_.Write([&](SqlConnection& conn) -> Status {
    ASSIGN_OR_RETURN(int64_t n, conn.Execute("DELETE FROM webhooks WHERE webhook_id = ?", {id}));
    if (n == 0) return NotFound("Webhook " + std::to_string(id) + " not found");
    return Status::Ok();
  });
}

Result<std::vector<Delivery>> Webhooks::Deliveries(int64_t webhook_id, int64_t limit) {
  std::vector<Delivery> out;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query(
        "SELECT delivery_id, webhook_id, event_id, attempt, status_code, error, delivered, time "
        "FROM webhook_deliveries WHERE webhook_id = ? ORDER BY delivery_id LIMIT ?",
        {webhook_id, limit}, [&](const Row& row) {
          out.push_back({row.GetInt(0), row.GetInt(1), row.GetInt(2),
                         static_cast<int>(row.GetInt(3)), static_cast<int>(row.GetInt(4)),
                         row.GetText(5), row.GetInt(6) != 0, row.GetInt(7)});
          return Status::Ok();
        });
  }));
  return out;
}

Status Webhooks::DeliverPending() {
  std::vector<Stored> hooks;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query("SELECT webhook_id, url, model, actions, created_time, secret, "
                      "cursor_event_id FROM webhooks ORDER BY webhook_id",
                      {}, [&](const Row& row) {
                        hooks.push_back({ReadWebhook(row), row.GetText(5), row.GetInt(6)});
                        return Status::Ok();
                      });
  }));
  for (const Stored& s : hooks) RETURN_IF_ERROR(DeliverFor(s.hook, s.secret, s.cursor));
  return Status::Ok();
}

// Events past the cursor, oldest first; each matching one is POSTed (with
// retries), and the cursor advances past it.
Status Webhooks::DeliverFor(const Webhook& hook, const std::string& secret, int64_t cursor) {
  std::vector<EventRow> events;
  RETURN_IF_ERROR(db_.Read([&](SqlConnection& conn) {
    return conn.Query(
        "SELECT event_id, time, model_name, version, action, actor, reason, before_state, "
        "after_state FROM registry_events WHERE event_id > ? ORDER BY event_id LIMIT ?",
        {cursor, kEventsPerPass}, [&](const Row& row) {
          Json payload = {{"id", row.GetInt(0)},     {"time", row.GetInt(1)},
                          {"model", row.GetText(2)}, {"action", row.GetText(4)},
                          {"actor", row.GetText(5)}, {"reason", row.GetText(6)},
                          {"before", State(row.GetText(7))}, {"after", State(row.GetText(8))}};
          payload["version"] = row.IsNull(3) ? Json(nullptr) : Json(std::to_string(row.GetInt(3)));
          events.push_back({row.GetInt(0), row.GetText(2), row.GetText(4), payload.dump()});
          return Status::Ok();
        });
  }));
  auto move_cursor = [&](int64_t to) {
    return db_.Write([&](SqlConnection& conn) {
      return conn
          .Execute("UPDATE webhooks SET cursor_event_id = ? WHERE webhook_id = ?", {to, hook.id})
          .status();
    });
  };
  // The cursor is written after each delivered event (so a restart does not
  // send it again) and once past the events the webhook does not match.
  for (const EventRow& e : events) {
    if (Matches(hook, e)) {
      std::chrono::milliseconds backoff = options_.first_backoff;
      for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
        HttpCallSpec spec{"POST", hook.url, e.body,
                          {{"X-Ferry-Event", e.action},
                           {"X-Ferry-Delivery", std::to_string(hook.id) + "-" + std::to_string(e.id)},
                           {"X-Ferry-Signature", WebhookSignature(secret, e.body)}},
                          options_.timeout};
        auto reply = HttpSend(spec);
        bool ok = reply.ok() && reply->status >= 200 && reply->status < 300;
        std::string error = reply.ok() ? (ok ? "" : "HTTP " + std::to_string(reply->status))
                                       : reply.status().message();
        RETURN_IF_ERROR(db_.Write([&](SqlConnection& conn) {
          return conn
              .Execute("INSERT INTO webhook_deliveries (webhook_id, event_id, attempt, "
                       "status_code, error, delivered, time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       {hook.id, e.id, int64_t{attempt}, int64_t{reply.ok() ? reply->status : 0},
                        error.substr(0, 1000), int64_t{ok ? 1 : 0}, clock_.NowMillis()})
              .status();
        }));
        if (ok) break;
        if (attempt < options_.max_attempts && !Pause(backoff)) return Status::Ok();
        backoff *= 2;
      }
      RETURN_IF_ERROR(move_cursor(e.id));
      cursor = e.id;
    }
  }
  if (!events.empty() && events.back().id > cursor) return move_cursor(events.back().id);
  return Status::Ok();
}

bool Webhooks::Pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void Webhooks::Start(EventBus& bus) {
  bus_ = &bus;
  subscription_ = bus.Subscribe([this](const BusEvent&) {
    {
      std::lock_guard lock(mu_);
      wake_ = true;
    }
    cv_.notify_all();
  });
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, options_.poll, [this] { return wake_ || stopping_; });
        if (stopping_) return;
        wake_ = false;
      }
      Status st = DeliverPending();
      if (!st.ok()) Log(LogLevel::kWarn, "webhook delivery pass failed", {{"error", st.ToString()}});
    }
  });
}

void Webhooks::Stop() {
  if (bus_) bus_->Unsubscribe(subscription_);
  bus_ = nullptr;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ferry::registry
