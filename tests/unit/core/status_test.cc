#include "core/status.h"

#include <gtest/gtest.h>

#include "core/ids.h"

namespace ferry {
namespace {

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, OkIsCheapAndEmpty) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kOk);
  EXPECT_EQ(st.message(), "");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status st = NotFound("run 'x' not found");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.ToString(), "NOT_FOUND: run 'x' not found");
}

TEST(ResultTest, AssignOrReturnPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd: 3");
}

TEST(IdsTest, RunIdsAreHexAndDistinct) {
  std::string a = NewRunId(), b = NewRunId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsValidId(a));
  EXPECT_FALSE(IsValidId("../etc"));
  EXPECT_FALSE(IsValidId(""));
}

}  // namespace
}  // namespace ferry
