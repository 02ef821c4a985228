// The CSV → float matrix reader: quoting, line ends, missing cells, the
// column choice, line numbers in errors, and the size bound.
#include "pipelines/steps/feature_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "step_test_data.h"
#include "util/status_assertions.h"

namespace ferry::pipelines::steps {
namespace {

using testing::TempDir;
using testing::WriteFile;
using testing_util::FailsWith;

class FeatureMatrixTest : public ::testing::Test {
 protected:
  Result<FeatureMatrix> Read(const std::string& csv, MatrixRequest request) {
    WriteFile(dir_ / "d.csv", csv);
    request.path = dir_ / "d.csv";
    return ReadFeatureMatrix(request);
  }
  TempDir dir_;
};

TEST_F(FeatureMatrixTest, ReadsQuotedCrLfAndBomFiles) {
  auto m = Read("\xEF\xBB\xBF\"a\",b,\"y\"\r\n\"1.5\", 2 ,0\r\n\r\n+3,\"-4e1\",1\r\n",
                {"", "y"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->features, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m->rows, 2);
  EXPECT_EQ(m->values, (std::vector<float>{1.5f, 2.0f, 3.0f, -40.0f}));
  EXPECT_EQ(m->labels, (std::vector<float>{0.0f, 1.0f}));
}

TEST_F(FeatureMatrixTest, MissingCellsAreNaN) {
  auto m = Read("a,b,c\n,NA,1\nnull,\"\",None\n", {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->values.size(), 6u);
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(std::isnan(m->values[i]), i != 2) << i;
  EXPECT_TRUE(m->labels.empty());
}

TEST_F(FeatureMatrixTest, ChosenColumnsInTheOrderAsked) {
  auto m = Read("a,b,c,y\n1,2,3,0\n4,5,6,1\n", {"", "y", {"c", "a"}});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->values, (std::vector<float>{3, 1, 6, 4}));
  EXPECT_EQ(m->Rows({1}), (std::vector<float>{6, 4}));
  EXPECT_EQ(m->Labels({1, 0}), (std::vector<float>{1, 0}));
  EXPECT_TRUE(FailsWith(Read("a,y\n1,0\n", {"", "y", {"z"}}), {"no column 'z'"}));
  EXPECT_TRUE(FailsWith(Read("a,y\n1,0\n", {"", "y", {"y"}}), {"'y' is the label"}));
  EXPECT_TRUE(FailsWith(Read("y\n1\n", {"", "y"}), {"no feature columns"}));
}

TEST_F(FeatureMatrixTest, ErrorsNameTheLineWhereTheRowStarts) {
  EXPECT_TRUE(FailsWith(Read("a,b\n1,\"x\ny\"\n2,q\n", {}), {"line 2", "column 'b'"}));
  EXPECT_TRUE(
      FailsWith(Read("a,b\n1,\"x\ny\"\n\n2,q\n", {"", "", {"a", "b"}}), {"line 2"}));
  EXPECT_TRUE(
      FailsWith(Read("a,b\n1,2\n\n\n3,w\n", {}), {"line 5", "column 'b'", "'w'"}));
  EXPECT_TRUE(FailsWith(Read("a,b\n1,\"2\"x\n", {}), {"line 2", "closing quote"}));
  EXPECT_TRUE(FailsWith(Read("a,,b\n1,2,3\n", {}), {"line 1", "empty name"}));
}

TEST_F(FeatureMatrixTest, LabelCheckNamesTheLine) {
  MatrixRequest request{"", "y"};
  request.check_label = [](double y) {
    return y > 5 ? std::string("too big") : std::string();
  };
  EXPECT_TRUE(FailsWith(Read("a,y\n1,2\n1,9\n", request),
                        {"line 3", "label column 'y'", "'9'", "too big"}));
}

TEST_F(FeatureMatrixTest, RefusesMoreCellsThanTheBound) {
  MatrixRequest request;
  request.max_cells = 5;
  EXPECT_TRUE(Read("a,b\n1,2\n3,4\n", request).ok());
  EXPECT_TRUE(FailsWith(Read("a,b\n1,2\n3,4\n5,6\n", request),
                        {"line 4", "more than 5 feature values"}));
}

TEST_F(FeatureMatrixTest, RefusesRowsWithTooManyCells) {
  std::string wide = "a,b\n1,2\n" + std::string(100001, ',') + "\n";
  EXPECT_TRUE(FailsWith(Read(wide, {}), {"line 3", "more than 100000 cells"}));
}

TEST_F(FeatureMatrixTest, TinyNumbersAreZeroNotErrors) {
  auto m = Read("a\n1e-400\n-1e-50\n", {});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->values[0], 0.0f);
  EXPECT_EQ(m->values[1], 0.0f);
}

TEST_F(FeatureMatrixTest, ReadsTheHeader) {
  WriteFile(dir_ / "h.csv", "a,\"b,c\",d\n1,2,3\n");
  auto h = ReadCsvHeader(dir_ / "h.csv");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(*h, (std::vector<std::string>{"a", "b,c", "d"}));
  EXPECT_TRUE(
      FailsWith(ReadCsvHeader(dir_ / "none.csv"), {"none.csv", "not a readable file"}));
}

}  // namespace
}  // namespace ferry::pipelines::steps
