// Registry entities ⇄ MLflow's REST JSON (mlflow/protos/model_registry.proto
// in protobuf's JSON mapping: versions as strings, times as int64 ms). Ferry's
// /api/v1 uses the same shapes plus its own (events, lineage, gates).
#pragma once

#include "api/json_util.h"
#include "api/services.h"
#include "registry/registry_service.h"

namespace ferry::api {

Json ModelVersionToJson(const registry::ModelVersion& v);
Json RegisteredModelToJson(const registry::RegisteredModel& m);
Json RegistryEventToJson(const registry::RegistryEvent& e);
Json LineageToJson(const registry::Lineage& lineage);
Json GateResultToJson(const registry::GateResult& result);

// filter, max_results (default `default_max`), order_by, page_token.
Result<registry::SearchRequest> RegistrySearchFromJson(const Json& in, int64_t default_max);

// The acting user: the X-Ferry-User header (auth arrives in a later
// issue), else "anonymous"; the reason from the body's "reason" field.
Result<registry::Actor> ActorOf(const Json& in, const HttpRequest& request);

// source, run_id, run_link, description, tags; the caller sets the name.
Result<registry::CreateVersionRequest> CreateVersionRequestFromJson(const Json& in);

// MLflow sends the version as a string; a JSON integer is accepted too.
Result<std::string> VersionOf(const Json& in, std::string_view field);

}  // namespace ferry::api
