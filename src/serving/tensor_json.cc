#include "serving/tensor_json.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace ferry::serving {

using Json = nlohmann::json;

namespace {


template <typename T>
Status PutInt(const Json& v, std::string& out, const std::string& input) {
  int64_t i;
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return InvalidArgument("input '" + input + "': value " + v.dump() + " is out of range");
    }
    AppendRaw(out, static_cast<T>(u));
    return Status::Ok();
  }
  if (v.is_number_integer()) {
    i = v.get<int64_t>();
  } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
             std::abs(v.get<double>()) < 9.2e18) {
    i = static_cast<int64_t>(v.get<double>());
  } else if (v.is_boolean()) {
    i = v.get<bool>() ? 1 : 0;
  } else {
    return InvalidArgument("input '" + input + "': expected an integer, got " + v.dump());
  }
  if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
    return InvalidArgument("input '" + input + "': value " + v.dump() + " is out of range");
  }
  AppendRaw(out, static_cast<T>(i));
  return Status::Ok();
}

Result<double> Number(const Json& v, const std::string& input) {
  if (v.is_number()) return v.get<double>();
  if (v.is_null()) return std::nan("");
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  return InvalidArgument("input '" + input + "': expected a number, got " + v.dump().substr(0, 64));
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00);
  if (exp <= 0) return static_cast<uint16_t>(sign);
  return static_cast<uint16_t>(sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13));
}

}  // namespace

Status AppendJsonValue(const Json& v, DataType type, std::string& out, const std::string& input) {
  switch (type) {
    case DataType::kBool:
      if (!v.is_boolean() && !(v.is_number_integer() && (v == 0 || v == 1))) {
        return InvalidArgument("input '" + input + "': expected a boolean, got " + v.dump());
      }
      out.push_back(v.is_boolean() ? static_cast<char>(v.get<bool>()) : static_cast<char>(v.get<int>()));
      return Status::Ok();
    case DataType::kUint8: return PutInt<uint8_t>(v, out, input);
    case DataType::kUint16: return PutInt<uint16_t>(v, out, input);
    case DataType::kUint32: return PutInt<uint32_t>(v, out, input);
    case DataType::kUint64: return PutInt<uint64_t>(v, out, input);
    case DataType::kInt8: return PutInt<int8_t>(v, out, input);
    case DataType::kInt16: return PutInt<int16_t>(v, out, input);
    case DataType::kInt32: return PutInt<int32_t>(v, out, input);
    case DataType::kInt64: return PutInt<int64_t>(v, out, input);
    case DataType::kFp16: {
      ASSIGN_OR_RETURN(double d, Number(v, input));
      AppendRaw(out, FloatToHalf(static_cast<float>(d)));
      return Status::Ok();
    }
    case DataType::kFp32: {
      ASSIGN_OR_RETURN(double d, Number(v, input));
      AppendRaw(out, static_cast<float>(d));
      return Status::Ok();
    }
    case DataType::kFp64: {
      ASSIGN_OR_RETURN(double d, Number(v, input));
      AppendRaw(out, d);
      return Status::Ok();
    }
    case DataType::kBytes: {
      if (!v.is_string()) {
        return InvalidArgument("input '" + input + "': expected a string, got " +
                               v.dump().substr(0, 64));
      }
      const std::string& s = v.get_ref<const std::string&>();
      AppendRaw(out, static_cast<uint32_t>(s.size()));
      out += s;
      return Status::Ok();
    }
  }
  return InvalidArgument("input '" + input + "': unsupported datatype");
}

Result<int64_t> AppendJsonData(const Json& data, DataType type, std::string& out,
                               const std::string& input) {
  if (!data.is_array()) {
    RETURN_IF_ERROR(AppendJsonValue(data, type, out, input));
    return int64_t{1};
  }
  int64_t n = 0;
  for (const Json& item : data) {
    ASSIGN_OR_RETURN(int64_t k, AppendJsonData(item, type, out, input));
    n += k;
  }
  return n;
}

Json ElementToJson(const Tensor& t, int64_t i) {
  const char* p = t.data.data() + static_cast<size_t>(i) * ElementSize(t.datatype);
  switch (t.datatype) {
    case DataType::kBool: return *p != 0;
    case DataType::kInt8: case DataType::kInt16: case DataType::kInt32: case DataType::kInt64:
      return static_cast<int64_t>(ElementAsDouble(t, i));
    case DataType::kUint8: case DataType::kUint16: case DataType::kUint32:
      return static_cast<uint64_t>(ElementAsDouble(t, i));
    case DataType::kUint64: {
      uint64_t u;
      std::memcpy(&u, p, 8);
      return u;
    }
    case DataType::kBytes: break;
    default: {
      double d = ElementAsDouble(t, i);
      if (!std::isfinite(d)) return nullptr;
      return d;
    }
  }
  return nullptr;  // BYTES is rendered by TensorDataToJson
}

namespace {

Json Nest(const std::vector<Json>& flat, const std::vector<int64_t>& shape, size_t dim,
          size_t& pos) {
  Json arr = Json::array();
  for (int64_t k = 0; k < shape[dim]; ++k) {
    if (dim + 1 == shape.size()) {
      arr.push_back(flat[pos++]);
    } else {
      arr.push_back(Nest(flat, shape, dim + 1, pos));
    }
  }
  return arr;
}

}  // namespace

Json TensorDataToJson(const Tensor& t, bool nested) {
  std::vector<Json> flat;
  int64_t n = t.ElementCount();
  flat.reserve(static_cast<size_t>(n));
  if (t.datatype == DataType::kBytes) {
    size_t pos = 0;
    for (int64_t i = 0; i < n && pos + 4 <= t.data.size(); ++i) {
      uint32_t len;
      std::memcpy(&len, t.data.data() + pos, 4);
      std::string s = t.data.substr(pos + 4, len);
      flat.emplace_back(std::move(s));
      pos += 4 + len;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) flat.push_back(ElementToJson(t, i));
  }
  if (!nested || t.shape.size() <= 1) return Json(std::move(flat));
  size_t pos = 0;
  return Nest(flat, t.shape, 0, pos);
}

}  // namespace ferry::serving
