#include "registry/registry_service.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "core/paging.h"

namespace ferry::registry {
namespace {

constexpr int64_t kMaxEvents = 10000;

bool IsAliasChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool HasDotDotSegment(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

// runs:/<run_id>/<path> -> {run_id, path}.
struct RunsUri {
  std::string run_id;
  std::string path;
};

Result<RunsUri> ParseRunsUri(const std::string& source) {
  std::string rest = source.substr(std::string("runs:/").size());
  size_t slash = rest.find('/');
  RunsUri uri{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (uri.run_id.empty()) {
    return InvalidArgument("Invalid 'source' " + source + ": runs:/ URIs name a run id");
  }
  return uri;
}

// Sources are URIs Ferry can serve files from later: runs:/, models:/,
// mlflow-artifacts:/ and remote schemes. Local paths are refused: the
// download URI would otherwise hand out any file the server can read.
Status ValidateSource(const std::string& source) {
  if (source.empty()) return InvalidArgument("Missing value for required parameter 'source'");
  if (HasDotDotSegment(source)) {
    return InvalidArgument("Invalid 'source' " + source + ": '..' segments are not allowed");
  }
  size_t colon = source.find(':');
  bool has_scheme = colon != std::string::npos && colon > 0 &&
                    std::all_of(source.begin(), source.begin() + static_cast<long>(colon),
                                [](char c) { return std::isalnum(static_cast<unsigned char>(c)) ||
                                                    c == '+' || c == '-' || c == '.'; });
  if (!has_scheme || source.starts_with("file:")) {
    return InvalidArgument("Invalid 'source' " + source +
                           ": local paths are not allowed; use runs:/<run_id>/<path>, "
                           "models:/<id> or an artifact URI");
  }
  return Status::Ok();
}

std::string TagValue(const std::vector<Tag>& tags, const std::string& key) {
  for (const Tag& t : tags) {
    if (t.key == key) return t.value;
  }
  return "";
}

Result<tracking::EntitySearch> CompileSearch(const SearchRequest& request, bool versions,
                                             store::Dialect dialect) {
  tracking::EntitySearch search;
  if (!request.filter.empty()) {
    ASSIGN_OR_RETURN(search.filter, versions
                                        ? tracking::ParseModelVersionFilter(request.filter)
                                        : tracking::ParseRegisteredModelFilter(request.filter));
  }
  for (const std::string& order : request.order_by) {
    ASSIGN_OR_RETURN(tracking::OrderBy parsed, versions
                                                   ? tracking::ParseModelVersionOrderBy(order)
                                                   : tracking::ParseRegisteredModelOrderBy(order));
    search.order_by.push_back(std::move(parsed));
  }
  search.view = tracking::ViewType::kAll;
  ASSIGN_OR_RETURN(search.offset, ParsePageToken(request.page_token));
  search.limit = request.max_results + 1;
  search.dialect = dialect;
  return search;
}

template <typename T>
Page<T> ToPage(std::vector<T> found, int64_t offset, int64_t max_results) {
  Page<T> page;
  page.next_page_token = TrimToPage(found, offset, max_results);
  page.items = std::move(found);
  return page;
}

}  // namespace

Status RegistryService::Announce(Status st, const char* action, const std::string& model,
                                 std::optional<int64_t> version) {
  if (st.ok() && bus_) bus_->Publish({std::string("registry.") + action, model, version});
  return st;
}

// ---- validation ----

Status ValidateModelName(std::string_view field, std::string_view name) {
  if (name.empty()) {
    return InvalidArgument("Missing value for required parameter '" + std::string(field) + "'");
  }
  if (name.size() > kMaxModelNameLength) {
    return InvalidArgument("'" + std::string(field) + "' exceeds the maximum length of " +
                           std::to_string(kMaxModelNameLength) + " characters");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '@') {
      return InvalidArgument("Invalid value for parameter '" + std::string(field) +
                             "': model names may not contain '/', '@' or control "
                             "characters");
    }
  }
  return Status::Ok();
}

Status ValidateAlias(std::string_view alias) {
  if (alias.empty()) return InvalidArgument("Missing value for required parameter 'alias'");
  if (alias.size() > kMaxAliasLength) {
    return InvalidArgument("'alias' exceeds the maximum length of " +
                           std::to_string(kMaxAliasLength) + " characters");
  }
  if (!std::all_of(alias.begin(), alias.end(), IsAliasChar)) {
    return InvalidArgument("Invalid alias name '" + std::string(alias) +
                           "': aliases may only contain alphanumerics, underscores (_) and "
                           "dashes (-)");
  }
  std::string lower = Lower(alias);
  bool version_like = lower.size() > 1 && lower[0] == 'v' &&
                      std::all_of(lower.begin() + 1, lower.end(), ::isdigit);
  if (lower == "latest" || version_like) {
    return InvalidArgument("Invalid alias name '" + std::string(alias) +
                           "': 'latest' and v<number> are reserved");
  }
  return Status::Ok();
}

Result<int64_t> ParseVersion(std::string_view field, std::string_view version) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), v);
  if (version.empty() || ec != std::errc() || end != version.data() + version.size() || v < 1) {
    return InvalidArgument("Invalid value '" + std::string(version.substr(0, 64)) +
                           "' for parameter '" + std::string(field) +
                           "': a model version is a positive integer");
  }
  return v;
}

bool IsValidStage(std::string_view stage) {
  std::string s = Lower(stage);
  return s == "none" || s == "staging" || s == "production" || s == "archived";
}

std::string CanonicalStage(std::string_view stage) {
  std::string s = Lower(stage);
  if (s == "staging") return kStageStaging;
  if (s == "production") return kStageProduction;
  if (s == "archived") return kStageArchived;
  return kStageNone;
}

// ---- models ----

Result<RegisteredModel> RegistryService::CreateModel(const std::string& name,
                                                     const std::string& description,
                                                     const std::vector<Tag>& tags,
                                                     const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  for (const Tag& t : tags) RETURN_IF_ERROR(tracking::ValidateKey("tags.key", t.key));
  RegisteredModel model;
  model.name = name;
  model.description = description;
  model.tags = tags;
  RETURN_IF_ERROR(Announce(store_.CreateModel(model, Now(actor)), "create_model", name));
  return store_.GetModel(name);
}

Result<RegisteredModel> RegistryService::GetModel(const std::string& name) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  return store_.GetModel(name);
}

Result<RegisteredModel> RegistryService::RenameModel(const std::string& name,
                                                     const std::string& new_name,
                                                     const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(ValidateModelName("new_name", new_name));
  RETURN_IF_ERROR(store_.RenameModel(name, new_name, Now(actor)));
  return store_.GetModel(new_name);
}

Result<RegisteredModel> RegistryService::UpdateModel(const std::string& name,
                                                     const std::string& description,
                                                     const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(store_.UpdateModelDescription(name, description, Now(actor)));
  return store_.GetModel(name);
}

Status RegistryService::DeleteModel(const std::string& name, const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  return Announce(store_.DeleteModel(name, Now(actor)), "delete_model", name);
}

Status RegistryService::SetModelTag(const std::string& name, const Tag& tag,
                                    const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(tracking::ValidateKey("key", tag.key));
  return store_.SetModelTag(name, tag, Now(actor));
}

Status RegistryService::DeleteModelTag(const std::string& name, const std::string& key,
                                       const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(tracking::ValidateKey("key", key));
  return store_.DeleteModelTag(name, key, Now(actor));
}

Result<Page<RegisteredModel>> RegistryService::SearchModels(const SearchRequest& request) {
  RETURN_IF_ERROR(CheckMaxResults(request.max_results, kMaxModelSearchResults));
  ASSIGN_OR_RETURN(auto search, CompileSearch(request, false, store_.dialect()));
  ASSIGN_OR_RETURN(auto found, store_.SearchModels(search));
  return ToPage(std::move(found), search.offset, request.max_results);
}

// ---- versions ----

Result<ModelVersion> RegistryService::CreateVersion(const CreateVersionRequest& request,
                                                    const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", request.name));
  RETURN_IF_ERROR(ValidateSource(request.source));
  for (const Tag& t : request.tags) RETURN_IF_ERROR(tracking::ValidateKey("tags.key", t.key));
  ModelVersion v;
  v.name = request.name;
  v.source = request.source;
  v.run_id = request.run_id;
  v.run_link = request.run_link;
  v.description = request.description;
  v.tags = request.tags;
  v.user_id = actor.name;
  v.storage_location = request.source;
  if (request.source.starts_with("runs:/")) {
    ASSIGN_OR_RETURN(RunsUri uri, ParseRunsUri(request.source));
    if (!v.run_id.empty() && v.run_id != uri.run_id) {
      return InvalidArgument("'run_id' " + v.run_id + " differs from the run in 'source' " +
                             request.source);
    }
    v.run_id = uri.run_id;
    ASSIGN_OR_RETURN(tracking::RunInfo run, tracking_.GetActiveRunInfo(uri.run_id));
    v.storage_location = run.artifact_uri + (uri.path.empty() ? "" : "/" + uri.path);
  } else if (request.source.starts_with("models:/") &&
             tracking::IsValidLoggedModelId(request.source.substr(8))) {
    // An MLflow 3 logged model: its files are in its own artifact folder.
    ASSIGN_OR_RETURN(tracking::LoggedModel logged,
                     logged_models_.Get(request.source.substr(std::string("models:/").size())));
    v.logged_model_id = logged.model_id;
    v.storage_location = logged.artifact_uri;
    if (v.run_id.empty()) v.run_id = logged.source_run_id;
  }
  if (!v.run_id.empty()) RETURN_IF_ERROR(tracking_.GetRun(v.run_id).status());
  ASSIGN_OR_RETURN(ModelVersion created, store_.CreateVersion(std::move(v), Now(actor)));
  RETURN_IF_ERROR(Announce(Status::Ok(), "create_version", created.name, created.version));
  return created;
}

Result<ModelVersion> RegistryService::GetVersion(const std::string& name,
                                                 const std::string& version) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  return store_.GetVersion(name, v);
}

Result<ModelVersion> RegistryService::UpdateVersion(const std::string& name,
                                                    const std::string& version,
                                                    const std::string& description,
                                                    const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  RETURN_IF_ERROR(store_.UpdateVersionDescription(name, v, description, Now(actor)));
  return store_.GetVersion(name, v);
}

Status RegistryService::DeleteVersion(const std::string& name, const std::string& version,
                                      bool force, const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  return Announce(store_.DeleteVersion(name, v, force, Now(actor)), "delete_version", name, v);
}

Result<ModelVersion> RegistryService::TransitionStage(const std::string& name,
                                                      const std::string& version,
                                                      const std::string& stage,
                                                      bool archive_existing,
                                                      const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  if (!IsValidStage(stage)) {
    return InvalidArgument("Invalid Model Version stage: " + stage.substr(0, 64) +
                           ". Value must be one of None, Staging, Production, Archived.");
  }
  ASSIGN_OR_RETURN(ModelVersion moved, store_.TransitionStage(name, v, CanonicalStage(stage),
                                                              archive_existing, Now(actor)));
  RETURN_IF_ERROR(Announce(Status::Ok(), "transition_stage", name, v));
  return moved;
}

Status RegistryService::SetVersionTag(const std::string& name, const std::string& version,
                                      const Tag& tag, const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  RETURN_IF_ERROR(tracking::ValidateKey("key", tag.key));
  return store_.SetVersionTag(name, v, tag, Now(actor));
}

Status RegistryService::DeleteVersionTag(const std::string& name, const std::string& version,
                                         const std::string& key, const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  RETURN_IF_ERROR(tracking::ValidateKey("key", key));
  return store_.DeleteVersionTag(name, v, key, Now(actor));
}

Result<Page<ModelVersion>> RegistryService::SearchVersions(const SearchRequest& request) {
  RETURN_IF_ERROR(CheckMaxResults(request.max_results, kMaxVersionSearchResults));
  ASSIGN_OR_RETURN(auto search, CompileSearch(request, true, store_.dialect()));
  ASSIGN_OR_RETURN(auto found, store_.SearchVersions(search));
  return ToPage(std::move(found), search.offset, request.max_results);
}

Result<std::vector<ModelVersion>> RegistryService::LatestVersions(
    const std::string& name, const std::vector<std::string>& stages) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  std::vector<std::string> canonical;
  for (const std::string& s : stages) {
    if (!IsValidStage(s)) {
      return InvalidArgument("Invalid Model Version stage: " + s.substr(0, 64) +
                             ". Value must be one of None, Staging, Production, Archived.");
    }
    canonical.push_back(CanonicalStage(s));
  }
  return store_.LatestVersions(name, canonical);
}

Result<std::string> RegistryService::DownloadUri(const std::string& name,
                                                 const std::string& version) {
  ASSIGN_OR_RETURN(ModelVersion v, GetVersion(name, version));
  return v.storage_location;
}

// ---- aliases ----

Status RegistryService::SetAlias(const std::string& name, const std::string& alias,
                                 const std::string& version, const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(ValidateAlias(alias));
  ASSIGN_OR_RETURN(int64_t v, ParseVersion("version", version));
  return Announce(store_.SetAlias(name, alias, v, Now(actor)), "set_alias", name, v);
}

Status RegistryService::DeleteAlias(const std::string& name, const std::string& alias,
                                    const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(ValidateAlias(alias));
  return Announce(store_.DeleteAlias(name, alias, Now(actor)), "delete_alias", name);
}

Result<ModelVersion> RegistryService::GetVersionByAlias(const std::string& name,
                                                        const std::string& alias) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(ValidateAlias(alias));
  return store_.GetVersionByAlias(name, alias);
}

// ---- references, lineage, audit ----

Result<ResolvedRef> RegistryService::Resolve(const std::string& ref) {
  std::string body = ref.starts_with("models:/") ? ref.substr(8) : ref;
  size_t at = body.rfind('@');
  size_t slash = body.rfind('/');
  ResolvedRef out;
  if (at != std::string::npos) {
    out.name = body.substr(0, at);
    out.alias = body.substr(at + 1);
    ASSIGN_OR_RETURN(out.version, GetVersionByAlias(out.name, *out.alias));
  } else if (slash != std::string::npos) {
    out.name = body.substr(0, slash);
    ASSIGN_OR_RETURN(out.version, GetVersion(out.name, body.substr(slash + 1)));
  } else {
    return InvalidArgument("Invalid model reference '" + ref.substr(0, 256) +
                           "': use <name>/<version> or <name>@<alias>");
  }
  return out;
}

Result<Lineage> RegistryService::GetLineage(const std::string& ref) {
  ASSIGN_OR_RETURN(ResolvedRef resolved, Resolve(ref));
  Lineage lineage;
  lineage.version = std::move(resolved.version);
  lineage.aliases = lineage.version.aliases;
  const std::string scheme = "mlflow-artifacts:/";
  if (lineage.version.storage_location.starts_with(scheme)) {
    std::string dir = lineage.version.storage_location.substr(scheme.size());
    ASSIGN_OR_RETURN(lineage.files, tracking_.ArtifactDigests(dir));
    for (auto& f : lineage.files) f.path = f.path.substr(dir.size() + 1);
  }
  if (!lineage.version.run_id.empty()) {
    auto run = tracking_.GetRun(lineage.version.run_id);
    if (run.ok()) {
      lineage.code_version = TagValue(run->tags, "mlflow.source.git.commit");
      lineage.source_name = TagValue(run->tags, "mlflow.source.name");
      lineage.run = *std::move(run);
    } else if (run.status().code() != StatusCode::kNotFound) {
      return run.status();
    }
  }
  return lineage;
}

Result<Page<RegistryEvent>> RegistryService::ListEvents(const std::string& name,
                                                        int64_t max_results,
                                                        const std::string& page_token) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  RETURN_IF_ERROR(CheckMaxResults(max_results, kMaxEvents));
  ASSIGN_OR_RETURN(int64_t offset, ParsePageToken(page_token));
  ASSIGN_OR_RETURN(auto events, store_.ListEvents(name, max_results + 1, offset));
  return ToPage(std::move(events), offset, max_results);
}

// ---- gate ----

Result<MetricValues> RegistryService::VersionMetrics(const ModelVersion& version) {
  MetricValues values;
  if (version.run_id.empty()) return values;
  ASSIGN_OR_RETURN(tracking::Run run, tracking_.GetRun(version.run_id));
  for (const tracking::Metric& m : run.metrics) values[m.key] = m.value;
  return values;
}

Status RegistryService::SetGatePolicy(const std::string& name, const std::string& text,
                                      const Actor& actor) {
  RETURN_IF_ERROR(ValidateModelName("name", name));
  if (text.empty()) return store_.SetGatePolicy(name, std::nullopt, Now(actor));
  ASSIGN_OR_RETURN(GatePolicy policy, ParseGatePolicy(text));
  // Every metric the policy reads must be one some version's run logged.
  tracking::EntitySearch search;
  search.filter.clauses.push_back(
      {tracking::Entity::kAttribute, "name", tracking::Comparator::kEq, name});
  search.view = tracking::ViewType::kAll;
  search.limit = 1000;
  search.dialect = store_.dialect();
  ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, store_.SearchVersions(search));
  if (!versions.empty()) {
    std::set<std::string> known;
    for (const ModelVersion& v : versions) {
      ASSIGN_OR_RETURN(MetricValues m, VersionMetrics(v));
      for (const auto& [key, value] : m) known.insert(key);
    }
    for (const std::string& key : ReferencedMetrics(policy)) {
      if (!known.count(key)) {
        return InvalidArgument("gate policy reads metric '" + key + "', which no version of '" +
                               name + "' has logged");
      }
    }
  }
  return store_.SetGatePolicy(name, GatePolicyToJson(policy), Now(actor));
}

Result<GateResult> RegistryService::EvaluateGate(const std::string& name,
                                                 const std::string& candidate,
                                                 const std::string& champion_alias,
                                                 const Actor& actor) {
  ASSIGN_OR_RETURN(RegisteredModel model, GetModel(name));
  if (!model.gate_policy) {
    return FailedPrecondition("Registered model '" + name + "' has no gate policy");
  }
  ASSIGN_OR_RETURN(GatePolicy policy, ParseGatePolicy(*model.gate_policy));
  ASSIGN_OR_RETURN(ModelVersion challenger, GetVersion(name, candidate));
  RETURN_IF_ERROR(ValidateAlias(champion_alias));
  GateResult result;
  result.name = name;
  result.candidate = challenger.version;
  std::optional<MetricValues> champion_metrics;
  auto champion = store_.GetVersionByAlias(name, champion_alias);
  if (champion.ok()) {
    result.champion = champion->version;
    ASSIGN_OR_RETURN(champion_metrics, VersionMetrics(*champion));
  } else if (champion.status().code() != StatusCode::kNotFound) {
    return champion.status();
  }
  ASSIGN_OR_RETURN(MetricValues challenger_metrics, VersionMetrics(challenger));
  result.decision = registry::EvaluateGate(policy, champion_metrics, challenger_metrics);
  std::string evidence = "{\"champion_alias\":\"" + champion_alias + "\",\"champion\":" +
                         (result.champion ? std::to_string(*result.champion) : "null") +
                         ",\"decision\":" + GateDecisionToJson(result.decision) + "}";
  RETURN_IF_ERROR(Announce(
      store_.RecordEvent(name, challenger.version, "gate_decision", evidence, Now(actor)),
      "gate_decision", name, challenger.version));
  return result;
}

Status RegistryService::RecordAlert(const std::string& name, int64_t version, const std::string& action,
                                    const std::string& after, const Actor& actor) {
  return Announce(store_.RecordEvent(name, version, action, after, Now(actor)), action.c_str(), name, version);
}

Result<GateResult> RegistryService::Promote(const std::string& name,
                                            const std::string& candidate,
                                            const std::string& alias, bool approved,
                                            const Actor& actor) {
  RETURN_IF_ERROR(ValidateAlias(alias));
  if (approved && actor.reason.empty()) {
    return InvalidArgument("an approval needs a 'reason'");
  }
  ASSIGN_OR_RETURN(GateResult result, EvaluateGate(name, candidate, alias, actor));
  result.promoted = approved || (result.decision.passed && !result.decision.needs_approval);
  if (result.promoted) {
    RETURN_IF_ERROR(Announce(store_.SetAlias(name, alias, result.candidate, Now(actor)),
                             "set_alias", name, result.candidate));
  }
  return result;
}

}  // namespace ferry::registry
