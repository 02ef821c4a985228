// A small blocking HTTP/1.1 client (Boost.Beast) for the CLI.
#pragma once

#include <string>

#include "core/status.h"

namespace ferry::cli {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `url` is the server base ("http://127.0.0.1:5000"); `target` the path and
// query; `user`, when set, is sent as X-Ferry-User (the actor the registry
// records). Connection failures are kUnavailable naming the URL.
Result<HttpReply> HttpCall(const std::string& url, const std::string& method,
                           const std::string& target, const std::string& body,
                           const std::string& user = "");

}  // namespace ferry::cli
