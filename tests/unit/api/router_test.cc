#include "api/router.h"

#include <gtest/gtest.h>

#include "api/errors.h"
#include "api/json_util.h"

namespace ferry::api {
namespace {

HttpResponse Ok(HttpRequest&) { return JsonResponse(200, "{}"); }

TEST(RouterTest, MatchesLiteralsParamsAndRest) {
  Router router;
  router.Add(Method::kGet, "/api/v1/runs/{id}", Ok);
  router.Add(Method::kGet, "/files/{path...}", Ok);
  HttpRequest req;
  req.method = Method::kGet;
  req.path = "/api/v1/runs/abc";
  ASSERT_NE(router.Find(req).route, nullptr);
  EXPECT_EQ(req.path_params["id"], "abc");
  req.path = "/files/a/b/c.txt";
  ASSERT_NE(router.Find(req).route, nullptr);
  EXPECT_EQ(req.path_params["path"], "a/b/c.txt");
  req.path = "/files";
  ASSERT_NE(router.Find(req).route, nullptr);
  EXPECT_EQ(req.path_params["path"], "");
  req.path = "/api/v1/runs/abc/extra";
  EXPECT_EQ(router.Find(req).route, nullptr);
  req.path = "/api/v1/runs/";
  EXPECT_EQ(router.Find(req).route, nullptr);
}

TEST(RouterTest, WrongMethodIsDistinguishedFromUnknownPath) {
  Router router;
  router.Add(Method::kPost, "/x", Ok);
  HttpRequest req;
  req.method = Method::kGet;
  req.path = "/x";
  auto match = router.Find(req);
  EXPECT_EQ(match.route, nullptr);
  EXPECT_TRUE(match.path_matched);
  req.path = "/y";
  EXPECT_FALSE(router.Find(req).path_matched);
}

TEST(QueryTest, DecodesPercentAndPlus) {
  auto q = ParseQuery("a=1&b=x%20y+z&c&a=2&d=%zz");
  EXPECT_EQ(q.count("a"), 2u);
  EXPECT_EQ(q.find("b")->second, "x y z");
  EXPECT_EQ(q.find("c")->second, "");
  EXPECT_EQ(q.find("d")->second, "%zz");
  EXPECT_EQ(PercentDecode("%2e%2E%2F", false), "../");
}

TEST(JsonUtilTest, NamesTheFieldInErrors) {
  HttpRequest req;
  req.method = Method::kPost;
  req.body = R"({"run_id": 5, "value": "abc", "n": "12", "list": [1]})";
  auto in = RequestInput(req);
  ASSERT_TRUE(in.ok());
  auto s = GetString(*in, "run_id");
  EXPECT_NE(s.status().message().find("'run_id'"), std::string::npos);
  auto d = GetDouble(*in, "value");
  EXPECT_NE(d.status().message().find("'value'"), std::string::npos);
  EXPECT_EQ(*GetInt(*in, "n"), 12);
  EXPECT_FALSE(GetStringList(*in, "list").ok());
  EXPECT_NE(GetString(*in, "missing").status().message().find("'missing'"),
            std::string::npos);
}

TEST(JsonUtilTest, MalformedBodyReportsPosition) {
  HttpRequest req;
  req.method = Method::kPost;
  req.body = R"({"a": 1,)";
  auto in = RequestInput(req);
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(in.status().message().find("byte"), std::string::npos);
  req.body = "[1,2]";
  EXPECT_FALSE(RequestInput(req).ok());
}

TEST(JsonUtilTest, NonFiniteDoubles) {
  Json in = {{"a", "NaN"}, {"b", "Infinity"}, {"c", "-Infinity"}, {"d", 1.5}};
  EXPECT_TRUE(std::isnan(*GetDouble(in, "a")));
  EXPECT_EQ(*GetDouble(in, "b"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(*GetDouble(in, "c"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(DoubleToJson(std::nan("")), "NaN");
  EXPECT_EQ(DoubleToJson(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(DoubleToJson(1.5), 1.5);
}

TEST(ErrorsTest, MapsOnce) {
  auto r = ErrorResponse(NotFound("Run with id=x not found"), ErrorStyle::kMlflow);
  EXPECT_EQ(r.status, 404);
  auto body = Json::parse(r.body);
  EXPECT_EQ(body["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(body["message"], "Run with id=x not found");
  auto f = ErrorResponse(AlreadyExists("dup"), ErrorStyle::kFerry);
  EXPECT_EQ(f.status, 409);
  EXPECT_EQ(Json::parse(f.body)["error"]["code"], "ALREADY_EXISTS");
  EXPECT_EQ(ErrorResponse(AlreadyExists("dup"), ErrorStyle::kMlflow).status, 400);
}

}  // namespace
}  // namespace ferry::api
