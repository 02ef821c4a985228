// A small blocking HTTP/1.1 client (Boost.Beast) with a deadline for the
// whole exchange: the CLI's calls to a server and the registry's webhook
// deliveries. http:// only. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ferry {

struct HttpCallSpec {
  std::string method = "GET";
  std::string url;  // http://host[:port][/path][?query]
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{60'000};
};

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// kInvalidArgument for a URL that is not http://; kUnavailable (naming the
// URL) when the server cannot be reached or the deadline passes.
Result<HttpReply> HttpSend(const HttpCallSpec& spec);

}  // namespace ferry
