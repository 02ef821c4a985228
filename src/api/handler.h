// Adapters from "input JSON → Result<JSON>" service calls to route handlers,
// so that each route is one line of parsing and one service call.
#pragma once

#include <functional>

#include "api/errors.h"
#include "api/json_util.h"
#include "api/router.h"

namespace ferry::api {

using JsonFn = std::function<Result<Json>(const Json& input, HttpRequest& request)>;

// Parses the request input (body or query), calls `fn`, renders its JSON or
// its error in `style`.
Handler JsonHandler(ErrorStyle style, JsonFn fn);

// Registers a JSON route under MLflow's two prefixes, /api/2.0/mlflow/ and
// /ajax-api/2.0/mlflow/, with MLflow's error format.
void AddMlflowRoute(Router& router, Method method, const std::string& path, JsonFn fn);

// Result<T> → Result<Json> with `render`; an OK Status → {}.
inline Result<Json> EmptyOr(const Status& st) {
  if (!st.ok()) return st;
  return Json::object();
}

}  // namespace ferry::api
