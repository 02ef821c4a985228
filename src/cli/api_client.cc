#include "cli/api_client.h"

#include <cstdio>
#include <iostream>

#include "core/http_client.h"

namespace ferry::cli {

std::string Encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::optional<std::string> CallRaw(const ClientFlags& flags, const std::string& method, const std::string& target,
                                   std::string body, const std::string& content_type) {
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpCallSpec spec{method, base + target, std::move(body), {}};
  if (!flags.user.empty()) spec.headers.emplace_back("X-Ferry-User", flags.user);
  if (!content_type.empty()) spec.headers.emplace_back("Content-Type", content_type);
  auto reply = HttpSend(spec);
  if (!reply.ok()) {
    std::cerr << "error: " << reply.status().message() << "\n";
    return std::nullopt;
  }
  if (reply->status < 200 || reply->status > 299) {
    std::string message = reply->body;
    Json parsed = Json::parse(reply->body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error")) {
      const Json& error = parsed["error"];
      if (error.is_object()) message = error.value("message", reply->body);
      if (error.is_string()) message = error.get<std::string>();
    }
    std::cerr << "error (" << reply->status << "): " << message << "\n";
    return std::nullopt;
  }
  return std::move(reply->body);
}

std::optional<Json> Call(const ClientFlags& flags, const std::string& method,
                         const std::string& target, const Json& body) {
  std::optional<std::string> reply =
      CallRaw(flags, method, target, body.is_null() ? "" : body.dump(), body.is_null() ? "" : "application/json");
  if (!reply) return std::nullopt;
  Json parsed = Json::parse(*reply, nullptr, false);
  if (parsed.is_discarded()) {
    std::cerr << "error: the server answered with invalid JSON\n";
    return std::nullopt;
  }
  return parsed;
}

}  // namespace ferry::cli
