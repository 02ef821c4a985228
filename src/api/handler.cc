#include "api/handler.h"

namespace ferry::api {

Handler JsonHandler(ErrorStyle style, JsonFn fn) {
  return [style, fn = std::move(fn)](HttpRequest& request) -> HttpResponse {
    Result<Json> input = RequestInput(request);
    if (!input.ok()) return ErrorResponse(input.status(), style);
    Result<Json> output = fn(*input, request);
    if (!output.ok()) return ErrorResponse(output.status(), style);
    return JsonResponse(200, Dump(*output));
  };
}

void AddMlflowRoute(Router& router, Method method, const std::string& path, JsonFn fn) {
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(method, prefix + path, JsonHandler(ErrorStyle::kMlflow, fn));
  }
}

}  // namespace ferry::api
