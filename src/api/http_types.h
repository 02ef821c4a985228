// Transport-neutral HTTP request/response as the route handlers see them.
// Handlers never touch Beast types; the server converts at the edge.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ferry::api {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOther };

std::string_view MethodName(Method method);

struct HttpRequest {
  Method method = Method::kGet;
  std::string target;  // as received, e.g. "/a/b?x=1"
  std::string path;    // percent-decoded path, no query
  std::multimap<std::string, std::string> query;  // decoded
  std::map<std::string, std::string> path_params;  // from "{name}" segments
  std::map<std::string, std::string> headers;      // lower-cased names
  std::string body;

  // First value of a query parameter.
  std::optional<std::string> Query(const std::string& key) const;
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> file_path;  // send this file instead of body
};

HttpResponse JsonResponse(int status, std::string body);

// Receives a streamed request body (artifact uploads): Write per chunk,
// Finish once the body is complete. Dropped without Finish = aborted.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(const char* data, size_t size) = 0;
  virtual HttpResponse Finish() = 0;
};

// Splits "a=1&b=x%20y" into decoded pairs.
std::multimap<std::string, std::string> ParseQuery(std::string_view query);
// Percent-decodes; '+' is a space only when `plus_is_space`.
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace ferry::api
