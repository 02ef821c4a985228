// Request and upload plumbing shared by the MLflow-compatible and /api/v1
// routes: both accept the same field names for these calls, so each is
// parsed in exactly one place.
#pragma once

#include "api/errors.h"
#include "api/mlflow/mlflow_json.h"
#include "api/services.h"

namespace ferry::api {

Result<tracking::SearchRunsRequest> SearchRunsRequestFromJson(const Json& in);
Result<tracking::SearchExperimentsRequest> SearchExperimentsRequestFromJson(
    const Json& in);
Result<tracking::CreateRunRequest> CreateRunRequestFromJson(const Json& in);
// Creates the experiment described by {name, artifact_location, tags}.
Result<std::string> CreateExperimentFromJson(Services& s, const Json& in);
// Logs {metrics, params, tags} to a run as one batch. Metrics without a
// timestamp get `default_timestamp`, or are rejected when it is empty.
Status LogBatchFromJson(Services& s, const std::string& run_id, const Json& in,
                        std::optional<int64_t> default_timestamp);

// Streams an upload into the artifact store; on Finish commits it, records
// its digest and answers {"path", "size", "sha256"} (MLflow's proxy answers {}).
class ArtifactUploadSink final : public BodySink {
 public:
  ArtifactUploadSink(Services& s, std::string path,
                     std::unique_ptr<artifacts::ArtifactWriter> writer, ErrorStyle style);
  Status Write(const char* data, size_t size) override;
  HttpResponse Finish() override;

 private:
  Services& s_;
  std::string path_;
  std::unique_ptr<artifacts::ArtifactWriter> writer_;
  ErrorStyle style_;
};

// Opens a sink for artifact-store path `path` (checked for traversal).
Result<std::unique_ptr<BodySink>> OpenUpload(Services& s, const std::string& path,
                                             ErrorStyle style);

}  // namespace ferry::api
