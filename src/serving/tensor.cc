#include "serving/tensor.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace ferry::serving {
namespace {

struct TypeInfo {
  DataType type;
  std::string_view name;
  size_t size;
};

constexpr std::array<TypeInfo, 13> kTypes = {{
    {DataType::kBool, "BOOL", 1},     {DataType::kUint8, "UINT8", 1},
    {DataType::kUint16, "UINT16", 2}, {DataType::kUint32, "UINT32", 4},
    {DataType::kUint64, "UINT64", 8}, {DataType::kInt8, "INT8", 1},
    {DataType::kInt16, "INT16", 2},   {DataType::kInt32, "INT32", 4},
    {DataType::kInt64, "INT64", 8},   {DataType::kFp16, "FP16", 2},
    {DataType::kFp32, "FP32", 4},     {DataType::kFp64, "FP64", 8},
    {DataType::kBytes, "BYTES", 0},
}};

const TypeInfo& Info(DataType type) { return kTypes[static_cast<size_t>(type)]; }

uint32_t ReadLength(const char* p) {
  uint32_t n;
  std::memcpy(&n, p, 4);
  return n;
}

// Byte offsets of each BYTES element's start, plus the end; empty when the
// length prefixes do not walk the buffer exactly.
std::optional<std::vector<size_t>> BytesOffsets(const std::string& data, int64_t count) {
  // Each element takes at least its 4-byte length: refuse a shape the data
  // cannot hold before reserving anything for it.
  if (count < 0 || static_cast<uint64_t>(count) > data.size() / 4) {
    if (count == 0 && data.empty()) return std::vector<size_t>{0};
    return std::nullopt;
  }
  std::vector<size_t> offsets;
  offsets.reserve(static_cast<size_t>(count) + 1);
  size_t pos = 0;
  for (int64_t i = 0; i < count; ++i) {
    offsets.push_back(pos);
    if (data.size() - pos < 4) return std::nullopt;
    uint32_t n = ReadLength(data.data() + pos);
    if (data.size() - pos - 4 < n) return std::nullopt;
    pos += 4 + n;
  }
  if (pos != data.size()) return std::nullopt;
  offsets.push_back(pos);
  return offsets;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  float value;
  if (exp == 0) {
    value = std::ldexp(static_cast<float>(frac), -24);
  } else if (exp == 31) {
    value = frac ? std::nanf("") : INFINITY;
  } else {
    value = std::ldexp(static_cast<float>(frac | 0x400), static_cast<int>(exp) - 25);
  }
  return sign ? -value : value;
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

std::string_view DataTypeName(DataType type) { return Info(type).name; }

std::optional<DataType> ParseDataType(std::string_view name) {
  for (const TypeInfo& t : kTypes) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

size_t ElementSize(DataType type) { return Info(type).size; }

int64_t Tensor::ElementCount() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Status CheckTensorData(const Tensor& t) {
  int64_t count = 1;
  for (int64_t d : t.shape) {
    if (d < 0) return InvalidArgument("input '" + t.name + "': negative dimension in shape");
    if (d > 0 && count > (int64_t{1} << 40) / d) {
      return InvalidArgument("input '" + t.name + "': shape is too large");
    }
    count *= d;
  }
  if (t.datatype == DataType::kBytes) {
    if (!BytesOffsets(t.data, count)) {
      return InvalidArgument("input '" + t.name + "': BYTES data does not hold " +
                             std::to_string(count) + " length-prefixed elements");
    }
    return Status::Ok();
  }
  uint64_t want = static_cast<uint64_t>(count) * ElementSize(t.datatype);
  if (t.data.size() != want) {
    return InvalidArgument("input '" + t.name + "': shape needs " + std::to_string(want) +
                           " bytes of " + std::string(DataTypeName(t.datatype)) + " data, got " +
                           std::to_string(t.data.size()));
  }
  return Status::Ok();
}

Result<Tensor> Concat(std::span<const Tensor* const> parts) {
  if (parts.empty()) return InvalidArgument("nothing to concatenate");
  const Tensor& first = *parts[0];
  if (parts.size() == 1) return first;
  Tensor out{first.name, first.datatype, first.shape, {}};
  if (out.shape.empty()) return InvalidArgument("input '" + first.name + "': scalars cannot be batched");
  size_t bytes = 0;
  out.shape[0] = 0;
  for (const Tensor* t : parts) {
    if (t->datatype != first.datatype || t->shape.size() != first.shape.size() ||
        !std::equal(t->shape.begin() + 1, t->shape.end(), first.shape.begin() + 1)) {
      return InvalidArgument("input '" + first.name +
                             "': requests in one batch differ in datatype or shape");
    }
    out.shape[0] += t->shape[0];
    bytes += t->data.size();
  }
  out.data.reserve(bytes);
  for (const Tensor* t : parts) out.data += t->data;
  return out;
}

Result<std::vector<Tensor>> Split(const Tensor& whole, std::span<const int64_t> rows) {
  int64_t total = 0;
  for (int64_t r : rows) total += r;
  if (whole.shape.empty() || whole.shape[0] != total) {
    return Internal("output '" + whole.name + "' has " +
                    std::to_string(whole.shape.empty() ? 0 : whole.shape[0]) +
                    " rows; the batch had " + std::to_string(total));
  }
  int64_t per_row = 1;
  for (size_t i = 1; i < whole.shape.size(); ++i) per_row *= whole.shape[i];
  std::vector<size_t> offsets;
  if (whole.datatype == DataType::kBytes) {
    auto o = BytesOffsets(whole.data, whole.ElementCount());
    if (!o) return Internal("output '" + whole.name + "' has malformed BYTES data");
    offsets = std::move(*o);
  }
  std::vector<Tensor> out;
  out.reserve(rows.size());
  int64_t row = 0;
  for (int64_t r : rows) {
    Tensor part{whole.name, whole.datatype, whole.shape, {}};
    part.shape[0] = r;
    size_t begin, end;
    if (whole.datatype == DataType::kBytes) {
      begin = offsets[static_cast<size_t>(row * per_row)];
      end = offsets[static_cast<size_t>((row + r) * per_row)];
    } else {
      size_t row_bytes = static_cast<size_t>(per_row) * ElementSize(whole.datatype);
      begin = static_cast<size_t>(row) * row_bytes;
      end = begin + static_cast<size_t>(r) * row_bytes;
    }
    part.data.assign(whole.data, begin, end - begin);
    out.push_back(std::move(part));
    row += r;
  }
  return out;
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  const char* p = t.data.data() + static_cast<size_t>(i) * ElementSize(t.datatype);
  switch (t.datatype) {
    case DataType::kBool: return Load<uint8_t>(p) ? 1.0 : 0.0;
    case DataType::kUint8: return Load<uint8_t>(p);
    case DataType::kUint16: return Load<uint16_t>(p);
    case DataType::kUint32: return Load<uint32_t>(p);
    case DataType::kUint64: return static_cast<double>(Load<uint64_t>(p));
    case DataType::kInt8: return Load<int8_t>(p);
    case DataType::kInt16: return Load<int16_t>(p);
    case DataType::kInt32: return Load<int32_t>(p);
    case DataType::kInt64: return static_cast<double>(Load<int64_t>(p));
    case DataType::kFp16: return HalfToFloat(Load<uint16_t>(p));
    case DataType::kFp32: return Load<float>(p);
    case DataType::kFp64: return Load<double>(p);
    case DataType::kBytes: break;
  }
  return std::nan("");
}

namespace {

// Stores `v` as a T; false when an integer T cannot hold it (no UB casts).
template <typename T>
bool StoreAs(double v, char* p) {
  if constexpr (std::is_integral_v<T>) {
    // 2^63 and 2^64 are exact doubles; the limits' max() are not.
    constexpr double kHigh = std::is_signed_v<T> ? -2.0 * static_cast<double>(std::numeric_limits<T>::min())
                                                 : 2.0 * (static_cast<double>(std::numeric_limits<T>::max() / 2) + 1);
    if (!(v >= static_cast<double>(std::numeric_limits<T>::min()) && v < kHigh)) return false;
  }
  T x = static_cast<T>(v);
  std::memcpy(p, &x, sizeof(T));
  return true;
}

bool Store(DataType type, double v, char* p) {
  switch (type) {
    case DataType::kBool: return StoreAs<uint8_t>(v != 0 ? 1 : 0, p);
    case DataType::kUint8: return StoreAs<uint8_t>(v, p);
    case DataType::kUint16: return StoreAs<uint16_t>(v, p);
    case DataType::kUint32: return StoreAs<uint32_t>(v, p);
    case DataType::kUint64: return StoreAs<uint64_t>(v, p);
    case DataType::kInt8: return StoreAs<int8_t>(v, p);
    case DataType::kInt16: return StoreAs<int16_t>(v, p);
    case DataType::kInt32: return StoreAs<int32_t>(v, p);
    case DataType::kInt64: return StoreAs<int64_t>(v, p);
    case DataType::kFp32: return StoreAs<float>(v, p);
    case DataType::kFp64: return StoreAs<double>(v, p);
    case DataType::kFp16:
    case DataType::kBytes: return false;  // refused by ConvertTensor
  }
  return false;
}

}  // namespace

Result<Tensor> ConvertTensor(const Tensor& t, DataType type) {
  if (t.datatype == type) return t;
  if (t.datatype == DataType::kBytes || type == DataType::kBytes || type == DataType::kFp16) {
    return InvalidArgument("input '" + t.name + "': cannot convert " +
                           std::string(DataTypeName(t.datatype)) + " to " +
                           std::string(DataTypeName(type)));
  }
  Tensor out{t.name, type, t.shape, {}};
  int64_t n = t.ElementCount();
  size_t size = ElementSize(type);
  out.data.resize(static_cast<size_t>(n) * size);
  for (int64_t i = 0; i < n; ++i) {
    double v = ElementAsDouble(t, i);
    if (!Store(type, v, out.data.data() + static_cast<size_t>(i) * size)) {
      return InvalidArgument("input '" + t.name + "': value " + std::to_string(v) +
                             " does not fit the model's " + std::string(DataTypeName(type)));
    }
  }
  return out;
}

Status ToFloats(const Tensor& t, float* out) {
  if (t.datatype == DataType::kBytes) {
    return InvalidArgument("input '" + t.name + "': BYTES cannot be converted to numbers");
  }
  int64_t n = t.ElementCount();
  if (n == 0) return Status::Ok();
  if (t.datatype == DataType::kFp32) {
    std::memcpy(out, t.data.data(), static_cast<size_t>(n) * 4);
    return Status::Ok();
  }
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(ElementAsDouble(t, i));
  return Status::Ok();
}

}  // namespace ferry::serving
