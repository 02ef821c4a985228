// The binary worker protocol's tensor codec: round trips, and malformed
// replies refused (a worker's answer is untrusted input).
#include "serving/backends/python/worker_protocol.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ferry::serving::worker {
namespace {

Tensor Floats(const std::string& name, std::vector<int64_t> shape, std::vector<float> v) {
  Tensor t{name, DataType::kFp32, std::move(shape), {}};
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  return t;
}

Tensor Strings(const std::string& name, const std::vector<std::string>& values) {
  Tensor t{name, DataType::kBytes, {static_cast<int64_t>(values.size())}, {}};
  for (const auto& v : values) {
    auto n = static_cast<uint32_t>(v.size());
    t.data.append(reinterpret_cast<const char*>(&n), 4);
    t.data += v;
  }
  return t;
}

TEST(WorkerProtocolTest, TensorsRoundTrip) {
  std::vector<Tensor> in = {Floats("x", {2, 3}, {1, 2, 3, 4, 5, 6}),
                            Strings("city", {"Oslo", "", "Zürich"})};
  auto out = DecodeTensors(EncodeTensors(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 2u);
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*out)[i].name, in[i].name);
    EXPECT_EQ((*out)[i].datatype, in[i].datatype);
    EXPECT_EQ((*out)[i].shape, in[i].shape);
    EXPECT_EQ((*out)[i].data, in[i].data);
  }
  EXPECT_TRUE(DecodeTensors(EncodeTensors({})).ok());
}

TEST(WorkerProtocolTest, LayoutIsTheDocumentedOne) {
  std::string bytes = EncodeTensors(std::vector<Tensor>{Floats("ab", {1}, {2.5f})});
  // u32 count | u16 name_length | name | u8 datatype | u8 rank | i64 dim | u64 length | data
  ASSERT_EQ(bytes.size(), 4u + 2 + 2 + 1 + 1 + 8 + 8 + 4);
  uint32_t count;
  std::memcpy(&count, bytes.data(), 4);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(bytes.substr(6, 2), "ab");
  EXPECT_EQ(static_cast<uint8_t>(bytes[8]), static_cast<uint8_t>(DataType::kFp32));
  EXPECT_EQ(bytes[9], 1);
  EXPECT_EQ(FrameHeader(Kind::kPredict, 7), std::string("\x07\x00\x00\x00\x02", 5));
}

TEST(WorkerProtocolTest, MalformedRepliesAreRefused) {
  std::string good = EncodeTensors(std::vector<Tensor>{Floats("x", {2}, {1, 2})});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(DecodeTensors(good.substr(0, cut)).ok()) << "cut at " << cut;
  }
  EXPECT_FALSE(DecodeTensors(good + "x").ok());  // trailing bytes
  std::string bad_type = good;
  bad_type[7] = 99;  // datatype byte
  EXPECT_FALSE(DecodeTensors(bad_type).ok());
  // A shape that does not match the data length.
  std::string bad_shape = EncodeTensors(std::vector<Tensor>{Floats("x", {3}, {1, 2})});
  EXPECT_FALSE(DecodeTensors(bad_shape).ok());
  // A huge count is refused before anything is allocated for it.
  std::string huge(4, '\xff');
  EXPECT_FALSE(DecodeTensors(huge).ok());
}

}  // namespace
}  // namespace ferry::serving::worker
