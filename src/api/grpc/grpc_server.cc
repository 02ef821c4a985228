#include "api/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "api/grpc/inference.grpc.pb.h"

namespace ferry::api {
namespace {

using serving::DataType;
using serving::Tensor;
namespace pb = ::inference;

grpc::Status ToGrpc(const Status& st) {
  using grpc::StatusCode;
  StatusCode code = StatusCode::INTERNAL;
  switch (st.code()) {
    case ferry::StatusCode::kOk: return grpc::Status::OK;
    case ferry::StatusCode::kInvalidArgument: code = StatusCode::INVALID_ARGUMENT; break;
    case ferry::StatusCode::kNotFound: code = StatusCode::NOT_FOUND; break;
    case ferry::StatusCode::kAlreadyExists: code = StatusCode::ALREADY_EXISTS; break;
    case ferry::StatusCode::kFailedPrecondition: code = StatusCode::FAILED_PRECONDITION; break;
    case ferry::StatusCode::kPayloadTooLarge: code = StatusCode::RESOURCE_EXHAUSTED; break;
    case ferry::StatusCode::kResourceExhausted: code = StatusCode::RESOURCE_EXHAUSTED; break;
    case ferry::StatusCode::kUnavailable: code = StatusCode::UNAVAILABLE; break;
    case ferry::StatusCode::kInternal: code = StatusCode::INTERNAL; break;
  }
  return {code, st.message()};
}

template <typename T, typename Field>
void AppendTyped(const Field& field, std::string& out) {
  for (auto v : field) {
    T x = static_cast<T>(v);
    out.append(reinterpret_cast<const char*>(&x), sizeof(T));
  }
}

// Typed contents → raw bytes in the tensor's datatype.
Status FromContents(const pb::InferTensorContents& c, Tensor& t) {
  switch (t.datatype) {
    case DataType::kBool: AppendTyped<uint8_t>(c.bool_contents(), t.data); break;
    case DataType::kInt8: AppendTyped<int8_t>(c.int_contents(), t.data); break;
    case DataType::kInt16: AppendTyped<int16_t>(c.int_contents(), t.data); break;
    case DataType::kInt32: AppendTyped<int32_t>(c.int_contents(), t.data); break;
    case DataType::kInt64: AppendTyped<int64_t>(c.int64_contents(), t.data); break;
    case DataType::kUint8: AppendTyped<uint8_t>(c.uint_contents(), t.data); break;
    case DataType::kUint16: AppendTyped<uint16_t>(c.uint_contents(), t.data); break;
    case DataType::kUint32: AppendTyped<uint32_t>(c.uint_contents(), t.data); break;
    case DataType::kUint64: AppendTyped<uint64_t>(c.uint64_contents(), t.data); break;
    case DataType::kFp32: AppendTyped<float>(c.fp32_contents(), t.data); break;
    case DataType::kFp64: AppendTyped<double>(c.fp64_contents(), t.data); break;
    case DataType::kBytes:
      for (const std::string& s : c.bytes_contents()) {
        auto n = static_cast<uint32_t>(s.size());
        t.data.append(reinterpret_cast<const char*>(&n), 4);
        t.data += s;
      }
      break;
    case DataType::kFp16:
      return InvalidArgument("input '" + t.name + "': FP16 must be sent as raw_input_contents");
  }
  return Status::Ok();
}

Result<std::vector<Tensor>> RequestTensors(const pb::ModelInferRequest& req) {
  bool raw = req.raw_input_contents_size() > 0;
  if (raw && req.raw_input_contents_size() != req.inputs_size()) {
    return InvalidArgument("raw_input_contents has " +
                           std::to_string(req.raw_input_contents_size()) + " entries for " +
                           std::to_string(req.inputs_size()) + " inputs");
  }
  std::vector<Tensor> out;
  for (int i = 0; i < req.inputs_size(); ++i) {
    const auto& in = req.inputs(i);
    Tensor t;
    t.name = in.name();
    auto dt = serving::ParseDataType(in.datatype());
    if (!dt) return InvalidArgument("input '" + t.name + "': unknown datatype '" + in.datatype() + "'");
    t.datatype = *dt;
    if (in.shape_size() > 8) return InvalidArgument("input '" + t.name + "': more than 8 dimensions");
    for (int64_t d : in.shape()) {
      if (d < 0) return InvalidArgument("input '" + t.name + "': negative dimension in shape");
      t.shape.push_back(d);
    }
    if (raw) {
      t.data = req.raw_input_contents(i);
    } else {
      RETURN_IF_ERROR(FromContents(in.contents(), t));
    }
    RETURN_IF_ERROR(serving::CheckTensorData(t));
    out.push_back(std::move(t));
  }
  if (out.empty()) return InvalidArgument("the request has no inputs");
  return out;
}

Result<std::optional<int64_t>> ParseVersion(const std::string& v) {
  if (v.empty()) return std::optional<int64_t>();
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (*end != '\0' || n < 1) return InvalidArgument("model version must be a positive integer");
  return std::optional<int64_t>(n);
}

void FillMetadata(const serving::ModelMetadata& meta, pb::ModelMetadataResponse* resp) {
  resp->set_name(meta.name);
  for (int64_t v : meta.versions) resp->add_versions(std::to_string(v));
  resp->set_platform(meta.platform);
  auto fill = [](const std::vector<serving::IoSpec>& specs, auto* list) {
    for (const auto& spec : specs) {
      auto* t = list->Add();
      t->set_name(spec.name);
      t->set_datatype(std::string(serving::DataTypeName(spec.datatype)));
      for (int64_t d : spec.shape) t->add_shape(d);
    }
  };
  fill(meta.io.inputs, resp->mutable_inputs());
  fill(meta.io.outputs, resp->mutable_outputs());
}

class Service final : public pb::GRPCInferenceService::CallbackService {
 public:
  explicit Service(serving::Deployments& deployments) : deployments_(deployments) {}

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* ctx,
                                       const pb::ServerLiveRequest*,
                                       pb::ServerLiveResponse* resp) override {
    resp->set_live(true);
    return Done(ctx, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* ctx,
                                        const pb::ServerReadyRequest*,
                                        pb::ServerReadyResponse* resp) override {
    resp->set_ready(true);
    return Done(ctx, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* ctx,
                                           const pb::ServerMetadataRequest*,
                                           pb::ServerMetadataResponse* resp) override {
    resp->set_name("ferry");
    resp->set_version("0.1.0");
    resp->add_extensions("binary_tensor_data");
    return Done(ctx, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* ctx,
                                       const pb::ModelReadyRequest* req,
                                       pb::ModelReadyResponse* resp) override {
    auto version = ParseVersion(req->version());
    if (!version.ok()) return Done(ctx, ToGrpc(version.status()));
    auto meta = deployments_.Metadata(req->name(), *version);
    if (!meta.ok() && meta.status().code() == ferry::StatusCode::kNotFound &&
        !deployments_.Exists(req->name())) {
      return Done(ctx, ToGrpc(meta.status()));
    }
    resp->set_ready(meta.ok());
    return Done(ctx, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* ctx,
                                          const pb::ModelMetadataRequest* req,
                                          pb::ModelMetadataResponse* resp) override {
    auto version = ParseVersion(req->version());
    if (!version.ok()) return Done(ctx, ToGrpc(version.status()));
    auto meta = deployments_.Metadata(req->name(), *version);
    if (!meta.ok()) return Done(ctx, ToGrpc(meta.status()));
    FillMetadata(*meta, resp);
    return Done(ctx, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* ctx,
                                       const pb::ModelInferRequest* req,
                                       pb::ModelInferResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    auto version = ParseVersion(req->model_version());
    if (!version.ok()) {
      reactor->Finish(ToGrpc(version.status()));
      return reactor;
    }
    auto inputs = RequestTensors(*req);
    if (!inputs.ok()) {
      reactor->Finish(ToGrpc(inputs.status()));
      return reactor;
    }
    std::string key;
    auto it = ctx->client_metadata().find("ferry-routing-key");
    if (it != ctx->client_metadata().end()) key.assign(it->second.data(), it->second.size());
    serving::InferCall call{req->model_name(), *version, std::move(key), std::move(inputs).value()};
    deployments_.Infer(std::move(call), [ctx, reactor, req, resp](serving::InferAnswer a) {
      if (a.version > 0) ctx->AddInitialMetadata("ferry-model-version", std::to_string(a.version));
      if (!a.status.ok()) return reactor->Finish(ToGrpc(a.status));
      ctx->AddInitialMetadata("ferry-prediction-id", a.prediction_id);
      Status st = FillResponse(*req, a, resp);
      reactor->Finish(ToGrpc(st));
    });
    return reactor;
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx, grpc::Status st) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(std::move(st));
    return reactor;
  }

  static Status FillResponse(const pb::ModelInferRequest& req, serving::InferAnswer& a,
                             pb::ModelInferResponse* resp) {
    resp->set_model_name(req.model_name());
    resp->set_model_version(std::to_string(a.version));
    resp->set_id(req.id());
    auto add = [&](Tensor& t) {
      auto* out = resp->add_outputs();
      out->set_name(t.name);
      out->set_datatype(std::string(serving::DataTypeName(t.datatype)));
      for (int64_t d : t.shape) out->add_shape(d);
      *resp->add_raw_output_contents() = std::move(t.data);
    };
    if (req.outputs_size() == 0) {
      for (Tensor& t : a.outputs) add(t);
      return Status::Ok();
    }
    for (const auto& want : req.outputs()) {
      auto found = std::find_if(a.outputs.begin(), a.outputs.end(),
                                [&](const Tensor& t) { return t.name == want.name(); });
      if (found == a.outputs.end()) return InvalidArgument("unknown output '" + want.name() + "'");
      add(*found);
    }
    return Status::Ok();
  }

  serving::Deployments& deployments_;
};

class GrpcServerImpl final : public GrpcServer {
 public:
  explicit GrpcServerImpl(serving::Deployments& deployments) : service_(deployments) {}

  Status Listen(const std::string& host, int port, int max_message_bytes) {
    grpc::ServerBuilder builder;
    std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(port);
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(max_message_bytes);
    builder.SetMaxSendMessageSize(max_message_bytes);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      return Unavailable("cannot listen for gRPC on " + address);
    }
    return Status::Ok();
  }

  int port() const override { return port_; }

  void Shutdown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  ~GrpcServerImpl() override { Shutdown(); }

 private:
  Service service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const std::string& host, int port,
                                                      serving::Deployments& deployments,
                                                      int max_message_bytes) {
  auto server = std::make_unique<GrpcServerImpl>(deployments);
  RETURN_IF_ERROR(server->Listen(host, port, max_message_bytes));
  return std::unique_ptr<GrpcServer>(std::move(server));
}

}  // namespace ferry::api
