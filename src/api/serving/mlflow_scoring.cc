#include "api/serving/mlflow_scoring.h"

#include "serving/tensor_json.h"

namespace ferry::api {

using serving::AppendJsonData;
using serving::AppendJsonValue;
using serving::TensorDataToJson;

using serving::DataType;
using serving::IoSpec;
using serving::ModelIo;
using serving::Tensor;

namespace {

// One input of a column model: rows × (the spec's fixed trailing size).
template <typename CellFn>
Result<Tensor> ColumnTensor(const IoSpec& spec, int64_t rows, CellFn cell) {
  Tensor t{spec.name, spec.datatype, {rows}, {}};
  for (int64_t r = 0; r < rows; ++r) {
    const Json* v = cell(r);
    if (!v) return Tensor{};  // the column is absent: CheckInputs reports it
    RETURN_IF_ERROR(AppendJsonValue(*v, spec.datatype, t.data, spec.name));
  }
  return t;
}

bool ColumnModel(const ModelIo& io) {
  return !(io.inputs.size() == 1 && io.inputs[0].shape.size() >= 2);
}

// A rectangular nested array as one tensor of `spec`'s datatype.
Result<Tensor> NestedTensor(const IoSpec& spec, const Json& data) {
  Tensor t{spec.name, spec.datatype, {}, {}};
  const Json* level = &data;
  while (level->is_array()) {
    t.shape.push_back(static_cast<int64_t>(level->size()));
    if (level->empty()) break;
    level = &(*level)[0];
  }
  if (t.shape.empty()) return InvalidArgument("input '" + spec.name + "' must be an array of rows");
  if (t.shape.size() == 1 && spec.shape.size() == 2) t.shape.push_back(1);
  ASSIGN_OR_RETURN(int64_t n, AppendJsonData(data, spec.datatype, t.data, spec.name));
  if (n != t.ElementCount()) {
    return InvalidArgument("input '" + spec.name + "': rows have different lengths");
  }
  return t;
}

Result<std::vector<Tensor>> FromColumns(const ModelIo& io, const std::vector<std::string>& names,
                                        const Json& rows) {
  std::vector<Tensor> out;
  auto n = static_cast<int64_t>(rows.size());
  for (const IoSpec& spec : io.inputs) {
    auto it = std::find(names.begin(), names.end(), spec.name);
    if (it == names.end()) continue;
    auto col = static_cast<size_t>(it - names.begin());
    ASSIGN_OR_RETURN(Tensor t, ColumnTensor(spec, n, [&](int64_t r) -> const Json* {
      const Json& row = rows[static_cast<size_t>(r)];
      return row.is_array() && col < row.size() ? &row[col] : nullptr;
    }));
    if (!t.name.empty()) out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<Tensor>> FromRecords(const ModelIo& io, const Json& records) {
  for (const Json& r : records) {
    if (!r.is_object()) return InvalidArgument("'dataframe_records' must be a list of objects");
  }
  if (!ColumnModel(io)) {
    return InvalidArgument("this model takes one tensor; send 'dataframe_split' or 'inputs'");
  }
  static const Json kNull = nullptr;
  std::vector<Tensor> out;
  for (const IoSpec& spec : io.inputs) {
    bool present = false;
    for (const Json& r : records) present = present || r.contains(spec.name);
    if (!present) continue;
    ASSIGN_OR_RETURN(Tensor t, ColumnTensor(spec, static_cast<int64_t>(records.size()),
                                            [&](int64_t i) -> const Json* {
                                              const Json& r = records[static_cast<size_t>(i)];
                                              auto it = r.find(spec.name);
                                              return it == r.end() ? &kNull : &*it;
                                            }));
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<Tensor>> FromSplit(const ModelIo& io, const Json& split) {
  if (!split.is_object() || !split.contains("data") || !split["data"].is_array()) {
    return InvalidArgument("'dataframe_split' needs 'data', a list of rows");
  }
  const Json& data = split["data"];
  if (!ColumnModel(io)) {
    ASSIGN_OR_RETURN(Tensor t, NestedTensor(io.inputs[0], data));
    return std::vector<Tensor>{std::move(t)};
  }
  std::vector<std::string> names;
  if (split.contains("columns")) {
    if (!split["columns"].is_array()) return InvalidArgument("'dataframe_split.columns' must be a list");
    for (const Json& c : split["columns"]) {
      if (!c.is_string()) return InvalidArgument("'dataframe_split.columns' must hold strings");
      names.push_back(c);
    }
  } else {
    for (const IoSpec& spec : io.inputs) names.push_back(spec.name);
  }
  return FromColumns(io, names, data);
}

Result<std::vector<Tensor>> FromInstances(const ModelIo& io, const Json& v, const char* field) {
  if (v.is_object()) {  // {column: [values]}
    std::vector<Tensor> out;
    for (const IoSpec& spec : io.inputs) {
      auto it = v.find(spec.name);
      if (it == v.end()) continue;
      ASSIGN_OR_RETURN(Tensor t, NestedTensor(spec, *it));
      out.push_back(std::move(t));
    }
    return out;
  }
  if (!v.is_array()) return InvalidArgument(std::string("'") + field + "' must be a list or an object");
  if (!v.empty() && v[0].is_object()) return FromRecords(io, v);
  if (!ColumnModel(io)) {
    ASSIGN_OR_RETURN(Tensor t, NestedTensor(io.inputs[0], v));
    return std::vector<Tensor>{std::move(t)};
  }
  std::vector<std::string> names;
  for (const IoSpec& spec : io.inputs) names.push_back(spec.name);
  if (io.inputs.size() == 1 && !v.empty() && !v[0].is_array()) {  // one column, flat list
    ASSIGN_OR_RETURN(Tensor t, NestedTensor(io.inputs[0], v));
    return std::vector<Tensor>{std::move(t)};
  }
  return FromColumns(io, names, v);
}

}  // namespace

Result<std::vector<Tensor>> ScoringInputs(const Json& body, const ModelIo& io) {
  if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
  const char* kFormats[] = {"dataframe_split", "dataframe_records", "instances", "inputs"};
  const char* format = nullptr;
  for (const auto& [key, value] : body.items()) {
    bool known = key == "params";
    for (const char* f : kFormats) {
      if (key == f) {
        if (format) return InvalidArgument("give only one of dataframe_split, dataframe_records, instances, inputs");
        format = f;
        known = true;
      }
    }
    if (!known) {
      return InvalidArgument("unknown field '" + key +
                             "'; use dataframe_split, dataframe_records, instances or inputs");
    }
  }
  if (!format) {
    return InvalidArgument("the body needs one of dataframe_split, dataframe_records, instances, inputs");
  }
  const Json& v = body[format];
  std::string f = format;
  if (f == "dataframe_split") return FromSplit(io, v);
  if (f == "dataframe_records") {
    if (!v.is_array()) return InvalidArgument("'dataframe_records' must be a list of objects");
    return FromRecords(io, v);
  }
  return FromInstances(io, v, format);
}

Json ScoringOutput(const std::vector<Tensor>& outputs) {
  if (outputs.size() == 1) return {{"predictions", TensorDataToJson(outputs[0], true)}};
  Json all = Json::object();
  for (const Tensor& t : outputs) all[t.name] = TensorDataToJson(t, true);
  return {{"predictions", all}};
}

}  // namespace ferry::api
