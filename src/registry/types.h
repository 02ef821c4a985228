// The model registry's entities (MLflow's data model plus Ferry's audit
// events and gate policies).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tracking/types.h"

namespace ferry::registry {

using tracking::Tag;

// MLflow's legacy stages.
inline constexpr const char* kStageNone = "None";
inline constexpr const char* kStageStaging = "Staging";
inline constexpr const char* kStageProduction = "Production";
inline constexpr const char* kStageArchived = "Archived";

// Version status.
inline constexpr const char* kPendingRegistration = "PENDING_REGISTRATION";
inline constexpr const char* kReady = "READY";
inline constexpr const char* kFailedRegistration = "FAILED_REGISTRATION";

struct ModelVersion {
  std::string name;
  int64_t version = 0;
  int64_t creation_time = 0;
  int64_t last_updated_time = 0;
  std::string description;
  std::string user_id;
  std::string current_stage = kStageNone;
  std::string source;            // as given: runs:/<id>/model, models:/<id>, a URI
  std::string run_id;            // the source run, when known
  std::string run_link;
  std::string status = kReady;
  std::string status_message;
  std::string storage_location;  // resolved artifact URI the files are read from
  std::string logged_model_id;   // MLflow 3 LoggedModel id, when the source is one
  std::vector<Tag> tags;
  std::vector<std::string> aliases;
};

struct Alias {
  std::string alias;
  int64_t version = 0;
};

struct RegisteredModel {
  std::string name;
  int64_t creation_time = 0;
  int64_t last_updated_time = 0;
  std::string description;
  std::vector<Tag> tags;
  std::vector<Alias> aliases;
  std::vector<ModelVersion> latest_versions;  // the newest version per stage
  std::optional<std::string> gate_policy;     // canonical JSON
};

// One append-only audit record. before/after are JSON texts (empty when
// there is no state on that side, e.g. before a create).
struct RegistryEvent {
  int64_t event_id = 0;
  int64_t time = 0;
  std::string model;  // the model's name when the event happened
  std::optional<int64_t> version;
  std::string action;  // create_model, rename_model, update_model, delete_model,
                       // create_version, update_version, delete_version,
                       // transition_stage, set_alias, delete_alias, set_tag,
                       // delete_tag, set_gate, gate_decision
  std::string actor;
  std::string reason;
  std::string before;
  std::string after;
};

// Who is acting and why, recorded with each change.
struct Actor {
  std::string name = "anonymous";
  std::string reason;
};

}  // namespace ferry::registry
