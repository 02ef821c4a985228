// RegistryService: the model registry's one door. Validates names, versions,
// aliases, stages and sources the way MLflow does, resolves model
// references (name/3, name@alias, models:/...), builds lineage from the
// tracking subsystem, and runs evaluation gates. The MLflow-compatible
// routes, /api/v1 and the CLI all go through it.
//
// Errors: kInvalidArgument names the field; kNotFound for unknown models,
// versions and aliases; kAlreadyExists for a taken model name;
// kFailedPrecondition for a refused promotion or a delete an alias blocks.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/event_bus.h"
#include "registry/gate/gate.h"
#include "registry/registry_store.h"
#include "tracking/logged_models.h"
#include "tracking/tracking_service.h"

namespace ferry::registry {

inline constexpr size_t kMaxModelNameLength = 256;
inline constexpr size_t kMaxAliasLength = 255;
inline constexpr int64_t kMaxModelSearchResults = 1000;   // MLflow's limit
inline constexpr int64_t kMaxVersionSearchResults = 200000;

struct CreateVersionRequest {
  std::string name;
  std::string source;
  std::string run_id;  // optional; taken from a runs:/ source when empty
  std::string run_link;
  std::string description;
  std::vector<Tag> tags;
};

struct SearchRequest {
  std::string filter;
  std::vector<std::string> order_by;
  int64_t max_results = 100;
  std::string page_token;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;
};

// A model reference resolved: the version and how it was named.
struct ResolvedRef {
  std::string name;
  std::optional<std::string> alias;
  ModelVersion version;
};

// Everything that produced a version (DESIGN: a prediction traces back to
// the version, run, datasets, code and parameters).
struct Lineage {
  ModelVersion version;
  std::optional<tracking::Run> run;  // absent when the source names no run
  std::string code_version;          // the run's mlflow.source.git.commit tag
  std::string source_name;           // mlflow.source.name
  std::vector<std::string> aliases;  // of this version
  // The package's files with their SHA-256, paths relative to the package
  // (when its files were uploaded through Ferry's artifact store).
  std::vector<tracking::ArtifactDigest> files;
};

struct GateResult {
  std::string name;
  int64_t candidate = 0;
  std::optional<int64_t> champion;  // the version the champion alias named
  GateDecision decision;
  bool promoted = false;  // Promote only: the alias was moved
};

class RegistryService {
 public:
  // `bus`, when given, hears "registry.<action>" after each committed change.
  RegistryService(RegistryStore& store, tracking::TrackingService& tracking,
                  tracking::LoggedModels& logged_models, const Clock& clock,
                  EventBus* bus = nullptr)
      : store_(store), tracking_(tracking), logged_models_(logged_models), clock_(clock),
        bus_(bus) {}

  Result<RegisteredModel> CreateModel(const std::string& name, const std::string& description,
                                      const std::vector<Tag>& tags, const Actor& actor);
  Result<RegisteredModel> GetModel(const std::string& name);
  Result<RegisteredModel> RenameModel(const std::string& name, const std::string& new_name,
                                      const Actor& actor);
  Result<RegisteredModel> UpdateModel(const std::string& name, const std::string& description,
                                      const Actor& actor);
  Status DeleteModel(const std::string& name, const Actor& actor);
  Status SetModelTag(const std::string& name, const Tag& tag, const Actor& actor);
  Status DeleteModelTag(const std::string& name, const std::string& key, const Actor& actor);
  Result<Page<RegisteredModel>> SearchModels(const SearchRequest& request);

  Result<ModelVersion> CreateVersion(const CreateVersionRequest& request, const Actor& actor);
  // `version` is MLflow's string form ("3").
  Result<ModelVersion> GetVersion(const std::string& name, const std::string& version);
  Result<ModelVersion> UpdateVersion(const std::string& name, const std::string& version,
                                     const std::string& description, const Actor& actor);
  Status DeleteVersion(const std::string& name, const std::string& version, bool force,
                       const Actor& actor);
  Result<ModelVersion> TransitionStage(const std::string& name, const std::string& version,
                                       const std::string& stage, bool archive_existing,
                                       const Actor& actor);
  Status SetVersionTag(const std::string& name, const std::string& version, const Tag& tag,
                       const Actor& actor);
  Status DeleteVersionTag(const std::string& name, const std::string& version,
                          const std::string& key, const Actor& actor);
  Result<Page<ModelVersion>> SearchVersions(const SearchRequest& request);
  Result<std::vector<ModelVersion>> LatestVersions(const std::string& name,
                                                   const std::vector<std::string>& stages);
  // Where the version's files are (an artifact URI).
  Result<std::string> DownloadUri(const std::string& name, const std::string& version);

  Status SetAlias(const std::string& name, const std::string& alias,
                  const std::string& version, const Actor& actor);
  Status DeleteAlias(const std::string& name, const std::string& alias, const Actor& actor);
  Result<ModelVersion> GetVersionByAlias(const std::string& name, const std::string& alias);

  // "fraud@champion", "fraud/3", optionally prefixed "models:/".
  Result<ResolvedRef> Resolve(const std::string& ref);
  Result<Lineage> GetLineage(const std::string& ref);
  Result<Page<RegistryEvent>> ListEvents(const std::string& name, int64_t max_results,
                                         const std::string& page_token);

  // Records a monitoring alert's transition on the version's audit trail
  // (action e.g. "alert_firing"; `after` is its JSON), which webhooks deliver.
  Status RecordAlert(const std::string& name, int64_t version, const std::string& action,
                     const std::string& after, const Actor& actor);

  // Gate policy text (YAML or JSON); empty text removes it. Metrics the
  // policy reads must be logged by at least one of the model's versions'
  // runs when the model has versions.
  Status SetGatePolicy(const std::string& name, const std::string& text, const Actor& actor);
  // Evaluates the policy for `candidate` against the version `champion_alias`
  // names (no champion when the alias is unset) and records the decision.
  Result<GateResult> EvaluateGate(const std::string& name, const std::string& candidate,
                                  const std::string& champion_alias, const Actor& actor);
  // Gate against the version `alias` names, then move `alias` to the
  // candidate when the decision passes and needs no approval, or when it is
  // `approved` (which needs `actor.reason`; both are audited). `promoted`
  // says whether the alias moved; the decision is recorded either way.
  Result<GateResult> Promote(const std::string& name, const std::string& candidate,
                             const std::string& alias, bool approved, const Actor& actor);

 private:
  Change Now(const Actor& actor) const { return {actor, clock_.NowMillis()}; }
  // Publishes "registry.<action>" when `st` is OK; returns `st`.
  Status Announce(Status st, const char* action, const std::string& model,
                  std::optional<int64_t> version = std::nullopt);
  Result<MetricValues> VersionMetrics(const ModelVersion& version);

  RegistryStore& store_;
  tracking::TrackingService& tracking_;
  tracking::LoggedModels& logged_models_;
  const Clock& clock_;
  EventBus* bus_;
};

// Validation helpers, exposed for the API layer and tests.
Status ValidateModelName(std::string_view field, std::string_view name);
Status ValidateAlias(std::string_view alias);
Result<int64_t> ParseVersion(std::string_view field, std::string_view version);
bool IsValidStage(std::string_view stage);  // case-insensitive, MLflow's four
std::string CanonicalStage(std::string_view stage);

}  // namespace ferry::registry
