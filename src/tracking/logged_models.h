// MLflow 3 logged models: a model as an object of an experiment, with its
// own artifact folder (<experiment artifacts>/models/<model_id>/artifacts),
// params, tags, a status (PENDING until the client finalizes it) and the run
// that produced it. `mlflow.<flavor>.log_model` creates one, uploads the
// files through the artifact proxy and finalizes it; the registry turns a
// `models:/<model_id>` source into a version. Validation and typed SQL in
// one class. Thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "store/database.h"
#include "tracking/tracking_service.h"

namespace ferry::tracking {

inline constexpr const char* kLoggedModelPending = "LOGGED_MODEL_PENDING";
inline constexpr const char* kLoggedModelReady = "LOGGED_MODEL_READY";
inline constexpr const char* kLoggedModelUploadFailed = "LOGGED_MODEL_UPLOAD_FAILED";

struct LoggedModel {
  std::string model_id;
  int64_t experiment_id = 0;
  std::string name;
  std::string artifact_uri;
  int64_t creation_time = 0;
  int64_t last_updated_time = 0;
  std::string status = kLoggedModelPending;
  std::string status_message;
  std::string model_type;
  std::string source_run_id;
  std::string lifecycle_stage = kActive;  // "deleted" after Delete
  std::vector<Tag> tags;
  std::vector<Param> params;
};

struct CreateLoggedModelRequest {
  std::string experiment_id;
  std::string name;  // "model" when empty
  std::string model_type;
  std::string source_run_id;
  std::vector<Tag> tags;
  std::vector<Param> params;
};

struct SearchLoggedModelsRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  std::vector<OrderBy> order_by;  // parsed by the caller's field names
  int64_t max_results = 100;
  std::string page_token;
};

struct ModelOutput {
  std::string model_id;
  int64_t step = 0;
};

class LoggedModels {
 public:
  LoggedModels(store::Database& db, TrackingService& tracking, const Clock& clock)
      : db_(db), tracking_(tracking), clock_(clock) {}

  Result<LoggedModel> Create(const CreateLoggedModelRequest& request);
  // kNotFound for unknown or (unless allow_deleted) deleted models.
  Result<LoggedModel> Get(const std::string& model_id, bool allow_deleted = false);
  Status Delete(const std::string& model_id);
  // `status` is one of the LOGGED_MODEL_* names.
  Result<LoggedModel> Finalize(const std::string& model_id, const std::string& status);
  Status SetTags(const std::string& model_id, const std::vector<Tag>& tags);
  Status DeleteTag(const std::string& model_id, const std::string& key);
  Status LogParams(const std::string& model_id, const std::vector<Param>& params);
  Result<std::pair<std::vector<LoggedModel>, std::string>> Search(
      const SearchLoggedModelsRequest& request);
  // Records which models a run produced (and at which step).
  Status LogOutputs(const std::string& run_id, const std::vector<ModelOutput>& outputs);

 private:
  Result<std::vector<LoggedModel>> Load(store::SqlConnection& conn,
                                        const std::vector<std::string>& ids);

  store::Database& db_;
  TrackingService& tracking_;
  const Clock& clock_;
};

// A model id has the shape "m-" + 32 hex characters.
bool IsValidLoggedModelId(std::string_view id);

}  // namespace ferry::tracking
