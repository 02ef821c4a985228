#include "api/serving/oip_codec.h"

#include "serving/tensor_json.h"

namespace ferry::api {

using serving::AppendJsonData;
using serving::AppendJsonValue;
using serving::TensorDataToJson;

using serving::DataType;
using serving::Tensor;

namespace {

Result<std::vector<int64_t>> ReadShape(const Json& in, const std::string& name) {
  if (!in.contains("shape") || !in["shape"].is_array()) {
    return InvalidArgument("input '" + name + "': 'shape' must be an array of integers");
  }
  std::vector<int64_t> shape;
  for (const Json& d : in["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0) {
      return InvalidArgument("input '" + name + "': 'shape' must be an array of integers >= 0");
    }
    shape.push_back(d.get<int64_t>());
  }
  if (shape.size() > 8) return InvalidArgument("input '" + name + "': more than 8 dimensions");
  return shape;
}

std::optional<int64_t> BinarySize(const Json& in) {
  if (!in.contains("parameters") || !in["parameters"].is_object()) return std::nullopt;
  const Json& p = in["parameters"];
  if (!p.contains("binary_data_size")) return std::nullopt;
  if (!p["binary_data_size"].is_number_integer() || p["binary_data_size"].get<int64_t>() < 0) {
    return -1;
  }
  return p["binary_data_size"].get<int64_t>();
}

bool BoolParam(const Json& obj, const char* key) {
  return obj.contains("parameters") && obj["parameters"].is_object() &&
         obj["parameters"].contains(key) && obj["parameters"][key].is_boolean() &&
         obj["parameters"][key].get<bool>();
}

Result<Tensor> ReadInput(const Json& in, std::string_view binary, size_t& binary_pos) {
  if (!in.is_object()) return InvalidArgument("each of 'inputs' must be an object");
  if (!in.contains("name") || !in["name"].is_string()) {
    return InvalidArgument("each of 'inputs' needs a string 'name'");
  }
  Tensor t;
  t.name = in["name"];
  if (!in.contains("datatype") || !in["datatype"].is_string()) {
    return InvalidArgument("input '" + t.name + "': 'datatype' is required");
  }
  auto dt = serving::ParseDataType(in["datatype"].get<std::string>());
  if (!dt) {
    return InvalidArgument("input '" + t.name + "': unknown datatype " + in["datatype"].dump());
  }
  t.datatype = *dt;
  ASSIGN_OR_RETURN(t.shape, ReadShape(in, t.name));
  if (auto size = BinarySize(in)) {
    if (*size < 0 || static_cast<size_t>(*size) > binary.size() - binary_pos) {
      return InvalidArgument("input '" + t.name +
                             "': 'binary_data_size' exceeds the binary data in the body");
    }
    t.data.assign(binary.substr(binary_pos, static_cast<size_t>(*size)));
    binary_pos += static_cast<size_t>(*size);
  } else {
    if (!in.contains("data")) return InvalidArgument("input '" + t.name + "': 'data' is required");
    ASSIGN_OR_RETURN(int64_t n, AppendJsonData(in["data"], t.datatype, t.data, t.name));
    if (n != t.ElementCount()) {
      return InvalidArgument("input '" + t.name + "': shape holds " +
                             std::to_string(t.ElementCount()) + " elements, 'data' has " +
                             std::to_string(n));
    }
  }
  RETURN_IF_ERROR(serving::CheckTensorData(t));
  return t;
}

}  // namespace

Result<OipRequest> ParseOipRequest(std::string_view body, std::optional<size_t> json_length) {
  size_t n = json_length.value_or(body.size());
  if (n > body.size()) {
    return InvalidArgument("Inference-Header-Content-Length exceeds the body size");
  }
  Json json = Json::parse(body.substr(0, n), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return InvalidArgument("the inference request is not a JSON object");
  }
  OipRequest req;
  if (json.contains("id")) {
    if (!json["id"].is_string()) return InvalidArgument("'id' must be a string");
    req.id = json["id"];
  }
  req.binary_output = BoolParam(json, "binary_data_output");
  if (!json.contains("inputs") || !json["inputs"].is_array() || json["inputs"].empty()) {
    return InvalidArgument("'inputs' must be a non-empty array");
  }
  std::string_view binary = body.substr(n);
  size_t pos = 0;
  for (const Json& in : json["inputs"]) {
    ASSIGN_OR_RETURN(Tensor t, ReadInput(in, binary, pos));
    for (const Tensor& other : req.inputs) {
      if (other.name == t.name) return InvalidArgument("input '" + t.name + "' is given twice");
    }
    req.inputs.push_back(std::move(t));
  }
  if (pos != binary.size()) {
    return InvalidArgument("the body has " + std::to_string(binary.size() - pos) +
                           " bytes of binary data no input claims");
  }
  if (json.contains("outputs")) {
    if (!json["outputs"].is_array()) return InvalidArgument("'outputs' must be an array");
    for (const Json& out : json["outputs"]) {
      if (!out.is_object() || !out.contains("name") || !out["name"].is_string()) {
        return InvalidArgument("each of 'outputs' needs a string 'name'");
      }
      req.outputs.push_back({out["name"], BoolParam(out, "binary_data")});
    }
  }
  return req;
}

Result<OipBody> RenderOipResponse(const std::string& model, int64_t version,
                                  const OipRequest& request, const std::vector<Tensor>& outputs) {
  Json json = {{"model_name", model}, {"model_version", std::to_string(version)}};
  if (!request.id.empty()) json["id"] = request.id;
  Json list = Json::array();
  std::string binary;
  auto render = [&](const Tensor& t, bool as_binary) {
    Json o = {{"name", t.name}, {"datatype", serving::DataTypeName(t.datatype)}, {"shape", t.shape}};
    if (as_binary) {
      o["parameters"] = {{"binary_data_size", t.data.size()}};
      binary += t.data;
    } else {
      o["data"] = TensorDataToJson(t, false);
    }
    list.push_back(std::move(o));
  };
  if (request.outputs.empty()) {
    for (const Tensor& t : outputs) render(t, request.binary_output);
  } else {
    for (const auto& want : request.outputs) {
      auto it = std::find_if(outputs.begin(), outputs.end(),
                             [&](const Tensor& t) { return t.name == want.name; });
      if (it == outputs.end()) {
        return InvalidArgument("unknown output '" + want.name + "'");
      }
      render(*it, want.binary || request.binary_output);
    }
  }
  json["outputs"] = std::move(list);
  OipBody out;
  out.body = json.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (!binary.empty()) {
    out.json_length = out.body.size();
    out.body += binary;
  }
  return out;
}

}  // namespace ferry::api
