// The one place a Status becomes an HTTP answer. Two renderings:
//  - MLflow's: {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": ...} with
//    MLflow's HTTP statuses (used under /api/2.0/mlflow and /ajax-api).
//  - Ferry's: {"error": {"code": "NOT_FOUND", "message": ...}} (/api/v1).
//  - The Open Inference Protocol's: {"error": "..."} (/v2, /invocations),
//    with Ferry's HTTP statuses.
#pragma once

#include "api/http_types.h"
#include "core/status.h"

namespace ferry::api {

enum class ErrorStyle { kMlflow, kFerry, kOip };

int HttpStatusFor(StatusCode code, ErrorStyle style);
std::string_view MlflowErrorCode(StatusCode code);
HttpResponse ErrorResponse(const Status& status, ErrorStyle style);
// The style a path's API speaks: OIP under /v2 and /invocations, Ferry's
// under /api/v1/, MLflow's elsewhere.
ErrorStyle ErrorStyleFor(std::string_view path);

}  // namespace ferry::api
