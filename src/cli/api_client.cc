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

std::optional<Json> Call(const ClientFlags& flags, const std::string& method,
                         const std::string& target, const Json& body) {
  std::string base = flags.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpCallSpec spec{method, base + target, body.is_null() ? "" : body.dump(), {}};
  if (!flags.user.empty()) spec.headers.emplace_back("X-Ferry-User", flags.user);
  auto reply = HttpSend(spec);
  if (!reply.ok()) {
    std::cerr << "error: " << reply.status().message() << "\n";
    return std::nullopt;
  }
  Json parsed = Json::parse(reply->body, nullptr, false);
  if (reply->status < 200 || reply->status > 299) {
    std::string message = reply->body;
    if (parsed.is_object() && parsed.contains("error")) {
      const Json& error = parsed["error"];
      if (error.is_object()) message = error.value("message", reply->body);
      if (error.is_string()) message = error.get<std::string>();
    }
    std::cerr << "error (" << reply->status << "): " << message << "\n";
    return std::nullopt;
  }
  if (parsed.is_discarded()) {
    std::cerr << "error: the server answered with invalid JSON\n";
    return std::nullopt;
  }
  return parsed;
}

}  // namespace ferry::cli
