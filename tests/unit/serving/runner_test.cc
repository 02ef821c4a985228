// Request checks in front of every model (CheckInputs) and the warm-up
// request (ZeroRequest), against hand-written model descriptions.
#include "serving/runner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace ferry::serving {
namespace {

template <typename T>
Tensor Make(std::string name, DataType type, std::vector<int64_t> shape,
            std::vector<T> values) {
  Tensor t{std::move(name), type, std::move(shape), {}};
  t.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  return t;
}

Tensor Strings(std::string name, const std::vector<std::string>& values) {
  Tensor t{std::move(name), DataType::kBytes, {static_cast<int64_t>(values.size())}, {}};
  for (const auto& v : values) {
    uint32_t n = static_cast<uint32_t>(v.size());
    t.data.append(reinterpret_cast<const char*>(&n), 4);
    t.data += v;
  }
  return t;
}

// amount: FP64 column, count: optional INT64 column, city: BYTES column,
// optional.
ModelIo Columns() {
  ModelIo io;
  io.inputs = {{"amount", DataType::kFp64, {-1}, true},
               {"count", DataType::kInt64, {-1}, false},
               {"city", DataType::kBytes, {-1}, false}};
  io.outputs = {{"score", DataType::kFp32, {-1}, true}};
  return io;
}

ModelIo Matrix() {
  ModelIo io;
  io.inputs = {{"x", DataType::kFp32, {-1, 3}, true}};
  return io;
}

// Expects kInvalidArgument naming `name` (quoted as the messages quote).
void ExpectRefused(const Result<std::vector<Tensor>>& checked, const std::string& name) {
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(checked.status().message().find("'" + name + "'"), std::string::npos)
      << checked.status().message();
}

TEST(CheckInputsTest, OrdersInputsAsTheModelDoes) {
  auto checked =
      CheckInputs(Columns(), {Strings("city", {"Oslo", "Rome"}),
                              Make<int64_t>("count", DataType::kInt64, {2}, {1, 2}),
                              Make<double>("amount", DataType::kFp64, {2}, {1.5, 2.5})});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  ASSERT_EQ(checked->size(), 3u);
  EXPECT_EQ((*checked)[0].name, "amount");
  EXPECT_EQ((*checked)[1].name, "count");
  EXPECT_EQ((*checked)[2].name, "city");
  EXPECT_EQ((*checked)[0].As<double>()[1], 2.5);
}

TEST(CheckInputsTest, ConvertibleNumericTypesAndColumnAsMatrix) {
  // INT32 for an FP64 column is fine (numbers for numbers), and a column
  // may come as [rows, 1]; both come back in the model's form.
  auto checked =
      CheckInputs(Columns(), {Make<int32_t>("amount", DataType::kInt32, {2, 1}, {3, 4})});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ((*checked)[0].datatype, DataType::kFp64);
  EXPECT_EQ((*checked)[0].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ((*checked)[0].As<double>()[1], 4.0);
}

TEST(CheckInputsTest, ValueOutOfRangeForTheModelsTypeIsRefused) {
  auto checked = CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {1}, {1}),
                                         Make<double>("count", DataType::kFp64, {1}, {1e300})});
  ExpectRefused(checked, "count");
}

TEST(CheckInputsTest, UnknownInput) {
  auto checked =
      CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {1}, {1}),
                              Make<double>("amuont", DataType::kFp64, {1}, {1})});
  ExpectRefused(checked, "amuont");
  EXPECT_NE(checked.status().message().find("amount, count, city"), std::string::npos)
      << checked.status().message();
}

TEST(CheckInputsTest, MissingRequiredInput) {
  auto checked =
      CheckInputs(Columns(), {Make<int64_t>("count", DataType::kInt64, {1}, {1})});
  ExpectRefused(checked, "amount");
  EXPECT_NE(checked.status().message().find("missing"), std::string::npos);
  ExpectRefused(CheckInputs(Matrix(), {}), "x");
}

TEST(CheckInputsTest, BytesForANumericInputAndTheReverse) {
  ExpectRefused(CheckInputs(Columns(), {Strings("amount", {"1.5"})}), "amount");
  ExpectRefused(CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {1}, {1}),
                                        Make<double>("city", DataType::kFp64, {1}, {1})}),
                "city");
}

TEST(CheckInputsTest, WrongShape) {
  // Trailing dimension 2 where the model fixes 3.
  ExpectRefused(
      CheckInputs(Matrix(), {Make<float>("x", DataType::kFp32, {2, 2}, {1, 2, 3, 4})}),
      "x");
  // Wrong rank.
  ExpectRefused(
      CheckInputs(Matrix(), {Make<float>("x", DataType::kFp32, {3}, {1, 2, 3})}), "x");
  // A scalar.
  ExpectRefused(CheckInputs(Matrix(), {Make<float>("x", DataType::kFp32, {}, {1})}), "x");
  // A column given as [rows, 2].
  ExpectRefused(
      CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {1, 2}, {1, 2})}),
      "amount");
  auto ok = CheckInputs(Matrix(), {Make<float>("x", DataType::kFp32, {1, 3}, {1, 2, 3})});
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(CheckInputsTest, DataThatDoesNotFillTheShape) {
  ExpectRefused(
      CheckInputs(Matrix(), {Make<float>("x", DataType::kFp32, {2, 3}, {1, 2, 3})}), "x");
}

TEST(CheckInputsTest, RowsDiffer) {
  auto checked =
      CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {2}, {1, 2}),
                              Make<int64_t>("count", DataType::kInt64, {3}, {1, 2, 3})});
  ExpectRefused(checked, "count");
  EXPECT_NE(checked.status().message().find("rows"), std::string::npos);
}

TEST(CheckInputsTest, MissingOptionalIntegerInputIsFilledWithZeros) {
  auto checked =
      CheckInputs(Columns(), {Make<double>("amount", DataType::kFp64, {3}, {1, 2, 3})});
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  ASSERT_EQ(checked->size(), 3u);
  const Tensor& count = (*checked)[1];
  EXPECT_EQ(count.name, "count");
  EXPECT_EQ(count.shape, (std::vector<int64_t>{3}));
  EXPECT_TRUE(CheckTensorData(count).ok());
  // An integer has no NaN: the model's datatype, filled with zeros.
  EXPECT_EQ(count.datatype, DataType::kInt64);
  for (int64_t v : count.As<int64_t>()) EXPECT_EQ(v, 0);
  // A missing optional BYTES input: empty strings, one per row.
  const Tensor& city = (*checked)[2];
  EXPECT_EQ(city.name, "city");
  EXPECT_EQ(city.datatype, DataType::kBytes);
  EXPECT_EQ(city.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(city.data, std::string(12, '\0'));
}

TEST(CheckInputsTest, OnlyOptionalInputsAndNoneGiven) {
  ModelIo io;
  io.inputs = {{"a", DataType::kFp32, {-1}, false}};
  auto checked = CheckInputs(io, {});
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckInputsTest, SignatureWithoutShapeAcceptsAnyShape) {
  ModelIo io;
  io.inputs = {{"t", DataType::kInt64, {}, true}};
  auto checked =
      CheckInputs(io, {Make<int64_t>("t", DataType::kInt64, {1, 2, 2}, {1, 2, 3, 4})});
  EXPECT_TRUE(checked.ok()) << checked.status().ToString();
}

TEST(ZeroRequestTest, OneZeroRowPerInput) {
  ModelIo io = Columns();
  io.inputs.push_back({"img", DataType::kUint8, {-1, 2, 2}, true});
  std::vector<Tensor> zeros = ZeroRequest(io, 1);
  ASSERT_EQ(zeros.size(), 4u);
  EXPECT_EQ(zeros[0].name, "amount");
  EXPECT_EQ(zeros[0].datatype, DataType::kFp64);
  EXPECT_EQ(zeros[0].shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(zeros[0].data, std::string(8, '\0'));
  EXPECT_EQ(zeros[2].datatype, DataType::kBytes);
  EXPECT_EQ(zeros[2].data, std::string(4, '\0'));  // one empty string
  EXPECT_EQ(zeros[3].shape, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(zeros[3].data, std::string(4, '\0'));
  // What ZeroRequest makes passes CheckInputs.
  auto checked = CheckInputs(io, ZeroRequest(io, 3));
  EXPECT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ((*checked)[3].shape, (std::vector<int64_t>{3, 2, 2}));
}

}  // namespace
}  // namespace ferry::serving
