#include "serving/backends/python/worker_protocol.h"

#include <cstring>

namespace ferry::serving::worker {
namespace {


class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T& v) {
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(size_t n, std::string& out) {
    if (data_.size() - pos_ < n) return false;
    out.assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeTensors(std::span<const Tensor> tensors) {
  std::string out;
  size_t size = 4;
  for (const Tensor& t : tensors) size += 2 + t.name.size() + 2 + 8 * t.shape.size() + 8 + t.data.size();
  out.reserve(size);
  AppendRaw(out, static_cast<uint32_t>(tensors.size()));
  for (const Tensor& t : tensors) {
    AppendRaw(out, static_cast<uint16_t>(t.name.size()));
    out += t.name;
    AppendRaw(out, static_cast<uint8_t>(t.datatype));
    AppendRaw(out, static_cast<uint8_t>(t.shape.size()));
    for (int64_t d : t.shape) AppendRaw(out, d);
    AppendRaw(out, static_cast<uint64_t>(t.data.size()));
    out += t.data;
  }
  return out;
}

Result<std::vector<Tensor>> DecodeTensors(std::string_view body) {
  Reader r(body);
  uint32_t count = 0;
  if (!r.Get(count) || count > 4096) return InvalidArgument("worker reply: bad tensor count");
  std::vector<Tensor> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Tensor t;
    uint16_t name_length = 0;
    uint8_t datatype = 0, rank = 0;
    uint64_t length = 0;
    if (!r.Get(name_length) || !r.Bytes(name_length, t.name) || !r.Get(datatype) ||
        datatype > static_cast<uint8_t>(DataType::kBytes) || !r.Get(rank) || rank > 16) {
      return InvalidArgument("worker reply: malformed tensor header");
    }
    t.datatype = static_cast<DataType>(datatype);
    t.shape.resize(rank);
    for (auto& d : t.shape) {
      if (!r.Get(d)) return InvalidArgument("worker reply: truncated shape");
    }
    if (!r.Get(length) || !r.Bytes(length, t.data)) {
      return InvalidArgument("worker reply: truncated tensor data");
    }
    RETURN_IF_ERROR(CheckTensorData(t));
    out.push_back(std::move(t));
  }
  if (!r.done()) return InvalidArgument("worker reply: trailing bytes");
  return out;
}

std::string FrameHeader(Kind kind, size_t size) {
  std::string out;
  AppendRaw(out, static_cast<uint32_t>(size));
  AppendRaw(out, static_cast<uint8_t>(kind));
  return out;
}

}  // namespace ferry::serving::worker
