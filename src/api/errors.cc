#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace ferry::api {

std::string_view MlflowErrorCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_PARAMETER_VALUE";
    case StatusCode::kNotFound: return "RESOURCE_DOES_NOT_EXIST";
    case StatusCode::kAlreadyExists: return "RESOURCE_ALREADY_EXISTS";
    case StatusCode::kFailedPrecondition: return "INVALID_STATE";
    case StatusCode::kPayloadTooLarge: return "INVALID_PARAMETER_VALUE";
    case StatusCode::kResourceExhausted: return "REQUEST_LIMIT_EXCEEDED";
    case StatusCode::kUnavailable: return "TEMPORARILY_UNAVAILABLE";
    case StatusCode::kInternal: return "INTERNAL_ERROR";
  }
  return "INTERNAL_ERROR";
}

int HttpStatusFor(StatusCode code, ErrorStyle style) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return style == ErrorStyle::kMlflow ? 400 : 409;
    case StatusCode::kFailedPrecondition: return style == ErrorStyle::kMlflow ? 400 : 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status, ErrorStyle style) {
  nlohmann::json body;
  if (style == ErrorStyle::kMlflow) {
    body["error_code"] = MlflowErrorCode(status.code());
    body["message"] = status.message();
  } else if (style == ErrorStyle::kOip) {
    body["error"] = status.message();
  } else {
    body["error"] = {{"code", StatusCodeName(status.code())},
                     {"message", status.message()}};
  }
  HttpResponse r = JsonResponse(
      HttpStatusFor(status.code(), style),
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (status.code() == StatusCode::kUnavailable ||
      status.code() == StatusCode::kResourceExhausted) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

ErrorStyle ErrorStyleFor(std::string_view path) {
  if (path.starts_with("/v2") || path == "/invocations") return ErrorStyle::kOip;
  return path.starts_with("/api/v1/") ? ErrorStyle::kFerry : ErrorStyle::kMlflow;
}

}  // namespace ferry::api
