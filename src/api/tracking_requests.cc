#include "api/tracking_requests.h"

namespace ferry::api {

Result<tracking::SearchRunsRequest> SearchRunsRequestFromJson(const Json& in) {
  tracking::SearchRunsRequest req;
  ASSIGN_OR_RETURN(req.experiment_ids,
                   GetStringList(in, "experiment_ids", /*allow_single=*/false));
  ASSIGN_OR_RETURN(auto filter, GetOptString(in, "filter"));
  req.filter = filter.value_or("");
  ASSIGN_OR_RETURN(req.view, ViewTypeFromJson(in, "run_view_type"));
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  req.max_results = max.value_or(1000);
  ASSIGN_OR_RETURN(req.order_by, GetStringList(in, "order_by"));
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  req.page_token = token.value_or("");
  return req;
}

Result<tracking::SearchExperimentsRequest> SearchExperimentsRequestFromJson(
    const Json& in) {
  tracking::SearchExperimentsRequest req;
  ASSIGN_OR_RETURN(auto filter, GetOptString(in, "filter"));
  req.filter = filter.value_or("");
  ASSIGN_OR_RETURN(req.order_by, GetStringList(in, "order_by"));
  ASSIGN_OR_RETURN(req.view, ViewTypeFromJson(in, "view_type"));
  ASSIGN_OR_RETURN(auto max, GetOptInt(in, "max_results"));
  req.max_results = max.value_or(1000);
  ASSIGN_OR_RETURN(auto token, GetOptString(in, "page_token"));
  req.page_token = token.value_or("");
  return req;
}

Result<tracking::CreateRunRequest> CreateRunRequestFromJson(const Json& in) {
  tracking::CreateRunRequest req;
  ASSIGN_OR_RETURN(auto exp, GetOptString(in, "experiment_id"));
  req.experiment_id = exp.value_or("0");
  ASSIGN_OR_RETURN(auto user, GetOptString(in, "user_id"));
  req.user_id = user.value_or("");
  ASSIGN_OR_RETURN(auto name, GetOptString(in, "run_name"));
  req.run_name = name.value_or("");
  ASSIGN_OR_RETURN(req.start_time, GetOptInt(in, "start_time"));
  ASSIGN_OR_RETURN(req.tags, TagsFromJson(in, "tags"));
  return req;
}

Result<std::string> CreateExperimentFromJson(Services& s, const Json& in) {
  ASSIGN_OR_RETURN(std::string name, GetString(in, "name"));
  ASSIGN_OR_RETURN(auto location, GetOptString(in, "artifact_location"));
  ASSIGN_OR_RETURN(auto tags, TagsFromJson(in, "tags"));
  return s.tracking.CreateExperiment(name, location.value_or(""), tags);
}

Status LogBatchFromJson(Services& s, const std::string& run_id, const Json& in,
                        std::optional<int64_t> default_timestamp) {
  ASSIGN_OR_RETURN(auto metrics, MetricsFromJson(in, "metrics", default_timestamp));
  ASSIGN_OR_RETURN(auto params, ParamsFromJson(in, "params"));
  ASSIGN_OR_RETURN(auto tags, TagsFromJson(in, "tags"));
  return s.tracking.LogBatch(run_id, std::move(metrics), params, tags);
}

ArtifactUploadSink::ArtifactUploadSink(Services& s, std::string path,
                                       std::unique_ptr<artifacts::ArtifactWriter> writer,
                                       ErrorStyle style)
    : s_(s), path_(std::move(path)), writer_(std::move(writer)), style_(style) {}

Status ArtifactUploadSink::Write(const char* data, size_t size) {
  return writer_->Write(data, size);
}

HttpResponse ArtifactUploadSink::Finish() {
  Result<artifacts::FileDigest> digest = writer_->Commit();
  Status st = digest.status();
  if (st.ok()) st = s_.tracking.RecordArtifactFile(path_, digest->size, digest->sha256);
  if (!st.ok()) return ErrorResponse(st, style_);
  if (style_ == ErrorStyle::kMlflow) return JsonResponse(200, "{}");
  return JsonResponse(
      200, Dump({{"path", path_}, {"size", digest->size}, {"sha256", digest->sha256}}));
}

Result<std::unique_ptr<BodySink>> OpenUpload(Services& s, const std::string& path,
                                             ErrorStyle style) {
  ASSIGN_OR_RETURN(std::string clean, artifacts::CheckRelativePath(path, false));
  ASSIGN_OR_RETURN(auto writer, s.artifacts.OpenWriter(clean));
  return std::unique_ptr<BodySink>(
      std::make_unique<ArtifactUploadSink>(s, std::move(clean), std::move(writer), style));
}

}  // namespace ferry::api
