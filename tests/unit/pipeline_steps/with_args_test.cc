// The `with:` argument readers: typed JSON and text from pipeline files
// read alike; hostile YAML text bounded.
#include "pipelines/steps/with_args.h"

#include <gtest/gtest.h>

#include <string>

#include "util/status_assertions.h"

namespace ferry::pipelines::steps {
namespace {

using nlohmann::json;
using testing_util::FailsWith;

TEST(WithArgs, IntegersFromNumbersAndText) {
  for (const json& v : {json(7), json(7.0), json("7"), json(" +7 ")}) {
    auto n = IntegerArg({{"n", v}}, "n", 0, 10);
    ASSERT_TRUE(n.ok()) << v.dump();
    EXPECT_EQ(n->value(), 7) << v.dump();
  }
  EXPECT_FALSE(IntegerArg({{"other", 1}}, "n", 0, 10)->has_value());
  EXPECT_FALSE(IntegerArg({{"n", nullptr}}, "n", 0, 10)->has_value());
  for (const json& v : {json(11), json(7.5), json("7x"), json(true), json::array({7}),
                        json(18446744073709551615ull)}) {
    EXPECT_TRUE(FailsWith(IntegerArg({{"n", v}}, "n", 0, 10),
                          {"with.n: must be an integer in [0, 10]"}))
        << v.dump();
  }
}

TEST(WithArgs, NumbersAreFinite) {
  EXPECT_DOUBLE_EQ(NumberArg({{"x", "0.25"}}, "x", 0, 1)->value(), 0.25);
  EXPECT_TRUE(FailsWith(NumberArg({{"x", "nan"}}, "x", 0, 1), {"with.x"}));
  EXPECT_TRUE(FailsWith(NumberArg({{"x", 1}}, "x", 0, 1, true),
                        {"with.x: must be a number in [0, 1)"}));
}

TEST(WithArgs, ScalarText) {
  EXPECT_EQ(ScalarText(json(0.1)), "0.1");
  EXPECT_EQ(ScalarText(json(3)), "3");
  EXPECT_EQ(ScalarText(json(true)), "true");
  EXPECT_EQ(ScalarText(json("a")), "a");
  EXPECT_FALSE(ScalarText(json::array()).has_value());
  EXPECT_EQ(ShortestText(1.0), "1");
  EXPECT_EQ(ShortestText(1e-7), "1e-07");
}

TEST(WithArgs, YamlAliasesCannotExpandWithoutBound) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  std::string prev = "a";
  for (int i = 0; i < 8; ++i) {
    std::string name = "l" + std::to_string(i);
    bomb += name + ": &" + name + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = name;
  }
  EXPECT_TRUE(FailsWith(ObjectArg({{"params", bomb}}, "params"),
                        {"with.params", "more than 100000 values"}));
}

TEST(WithArgs, UnknownArgumentsAreNamed) {
  EXPECT_TRUE(CheckArguments(nullptr, {"a"}).ok());
  Status s = CheckArguments({{"a", 1}, {"b", 2}}, {"a"});
  EXPECT_EQ(s.message(), "with.b: unknown argument (known: a)");
}

}  // namespace
}  // namespace ferry::pipelines::steps
