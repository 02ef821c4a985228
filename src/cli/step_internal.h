// What the built-in steps (`ferry step`) share: their environment, where
// they write, the server they call. Not for other callers.
#pragma once

#include <map>
#include <string>

#include "cli/api_client.h"
#include "core/status.h"

namespace ferry::cli::step {

std::string Env(const char* name);
// Where a step writes `file`: its declared output `name` (FERRY_OUTPUT_<NAME>),
// else its folder (FERRY_STEP_DIR).
std::string OutputPath(const std::string& name, const std::string& file);
// Prints the reason; 2 for a bad `with`, 1 otherwise.
int Fail(const Status& st);
Status WriteJson(const std::string& path, const Json& value);
Result<Json> ReadJson(const std::string& path);
// The server named by FERRY_TRACKING_URI (FailedPrecondition without one).
Result<ClientFlags> Server();
Result<Json> Api(const ClientFlags& flags, const std::string& method, const std::string& path, const Json& body);
// Params and metrics to a tracked run: `run_id`, or the step's own
// (MLFLOW_RUN_ID) when empty; nothing without a server or a run.
Status LogToRun(const std::map<std::string, double>& metrics, const Json& params, const std::string& run_id = "");
// A version given as a number, or as the path of a register step's version.json.
Result<std::string> VersionArg(const Json& with);

// The steps (step_train.cc, step_registry.cc).
int TrainXgboost(const Json& with);
int Evaluate(const Json& with);
int Validate(const Json& with);
Result<Json> Register(const Json& with);
Result<Json> Gate(const Json& with, bool promote);
Result<Json> Deploy(const Json& with);

}  // namespace ferry::cli::step
