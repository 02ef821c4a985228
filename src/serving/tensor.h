// Tensors as the data plane moves them: a name, an Open Inference Protocol
// datatype, a shape, and the elements as raw little-endian bytes in
// row-major order. BYTES elements are stored as the OIP binary extension
// lays them out: a 4-byte little-endian length, then the bytes.
//
// Dimension 0 is the batch dimension: the batcher concatenates requests
// along it and splits the outputs back. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::serving {

enum class DataType {
  kBool, kUint8, kUint16, kUint32, kUint64, kInt8, kInt16, kInt32, kInt64,
  kFp16, kFp32, kFp64, kBytes,
};

// "FP32", "INT64", "BYTES", ... (the OIP spelling).
std::string_view DataTypeName(DataType type);
std::optional<DataType> ParseDataType(std::string_view name);
// Bytes per element; 0 for BYTES (variable length).
size_t ElementSize(DataType type);

struct Tensor {
  std::string name;
  DataType datatype = DataType::kFp32;
  std::vector<int64_t> shape;
  std::string data;

  // Product of the shape (1 for a scalar).
  int64_t ElementCount() const;
  // shape[0], or 1 for a scalar.
  int64_t Rows() const { return shape.empty() ? 1 : shape[0]; }
  template <typename T>
  std::span<const T> As() const {
    return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
  }
};

// Appends the raw (little-endian) bytes of `value` to a tensor buffer.
template <typename T>
void AppendRaw(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Checks that `tensor.data` holds exactly the shape's elements (for BYTES:
// that the length prefixes walk the buffer exactly); the message names the
// tensor.
Status CheckTensorData(const Tensor& tensor);

// Concatenates tensors with equal name, datatype and trailing dimensions
// along dimension 0.
Result<Tensor> Concat(std::span<const Tensor* const> parts);
// Splits `whole` along dimension 0 into parts of `rows[i]` rows.
Result<std::vector<Tensor>> Split(const Tensor& whole, std::span<const int64_t> rows);

// Converts numeric tensor elements to float (for models that take floats);
// BYTES is refused.
Status ToFloats(const Tensor& tensor, float* out);
// Reads element `i` as a double (numeric datatypes only).
double ElementAsDouble(const Tensor& tensor, int64_t i);
// The tensor with its elements converted to numeric `type` (through double:
// integers beyond 2^53 lose precision). BYTES in or out is refused.
Result<Tensor> ConvertTensor(const Tensor& tensor, DataType type);

}  // namespace ferry::serving
