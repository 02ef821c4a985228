// The search grammar's parser (filter.h), golden-table style: each row is an
// input and either the AST it parses to (printed compactly) or the error it
// must give ("error@POS: message substring").
#include "tracking/search/filter.h"

#include <gtest/gtest.h>

#include <charconv>
#include <random>
#include <string>
#include <vector>

namespace ferry::tracking {
namespace {

const char* EntityName(Entity e) {
  switch (e) {
    case Entity::kMetric:
      return "metric";
    case Entity::kParam:
      return "param";
    case Entity::kTag:
      return "tag";
    case Entity::kAttribute:
      return "attr";
    case Entity::kDataset:
      return "dataset";
  }
  return "?";
}

const char* OpName(Comparator op) {
  switch (op) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kLike:
      return "LIKE";
    case Comparator::kILike:
      return "ILIKE";
    case Comparator::kIn:
      return "IN";
    case Comparator::kNotIn:
      return "NOT IN";
    case Comparator::kIsNull:
      return "IS NULL";
    case Comparator::kIsNotNull:
      return "IS NOT NULL";
  }
  return "?";
}

std::string Number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string Print(const Clause& c) {
  std::string out = std::string(EntityName(c.entity)) + ":" + c.key + " " + OpName(c.op);
  if (const auto* d = std::get_if<double>(&c.value)) out += " " + Number(*d);
  if (const auto* s = std::get_if<std::string>(&c.value)) out += " '" + *s + "'";
  if (const auto* l = std::get_if<std::vector<std::string>>(&c.value)) {
    out += " (";
    for (size_t i = 0; i < l->size(); ++i) out += (i ? ",'" : "'") + (*l)[i] + "'";
    out += ")";
  }
  return out;
}

std::string Print(const Filter& f) {
  std::string out;
  for (const Clause& c : f.clauses) out += (out.empty() ? "" : " AND ") + Print(c);
  return out;
}

std::string Print(const OrderBy& o) {
  return std::string(EntityName(o.entity)) + ":" + o.key +
         (o.ascending ? " ASC" : " DESC");
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80                 ? 1
               : c >= 0xC2 && c <= 0xDF ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Compares a parse result with "AST" or "error@POS: substring".
template <typename T>
void ExpectGolden(std::string_view input, const Result<T>& got, const std::string& want) {
  SCOPED_TRACE("input: " + std::string(input));
  if (want.rfind("error@", 0) == 0) {
    ASSERT_FALSE(got.ok()) << "parsed to: " << Print(*got);
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    size_t colon = want.find(": ");
    std::string pos = "at position " + want.substr(6, colon - 6) + ":";
    const std::string& msg = got.status().message();
    EXPECT_NE(msg.find(pos), std::string::npos) << msg << "\n  expected " << pos;
    EXPECT_NE(msg.find(want.substr(colon + 2)), std::string::npos)
        << msg << "\n  expected " << want.substr(colon + 2);
    EXPECT_TRUE(IsValidUtf8(msg)) << msg;
    EXPECT_LT(msg.size(), 400u);
  } else {
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(Print(*got), want);
  }
}

struct Golden {
  std::string input;
  std::string want;
};

const std::vector<Golden>& RunFilterGoldens() {
  static const std::vector<Golden> kCases = {
      // Empty filters.
      {"", ""},
      {"  \t\n ", ""},
      // Metrics and numbers.
      {"metrics.rmse < 0.5", "metric:rmse < 0.5"},
      {"metric.rmse<=1e-3", "metric:rmse <= 0.001"},
      {"metrics.acc >= -2.5E2", "metric:acc >= -250"},
      {"metrics.x > .5", "metric:x > 0.5"},
      {"metrics.x > 5.", "metric:x > 5"},
      {"metrics.x = +3", "metric:x = 3"},
      {"metrics.x != 0", "metric:x != 0"},
      {"metrics.x>1e+300", "metric:x > 1e+300"},
      {"metrics.val-loss > 1", "metric:val-loss > 1"},
      {"metrics.a/b.c_d > 1", "metric:a/b.c_d > 1"},
      // Params, tags: keys with dots, quoted keys, quoted values.
      {"params.model.depth = '3'", "param:model.depth = '3'"},
      {"parameters.lr != \"0.1\"", "param:lr != '0.1'"},
      {"parameter.x = 'a' AND param.y = 'b'", "param:x = 'a' AND param:y = 'b'"},
      {"param.`my key` LIKE '%a%'", "param:my key LIKE '%a%'"},
      {"tags.\"a b\" ILIKE 'X%'", "tag:a b ILIKE 'X%'"},
      {"tag.`mlflow.runName` = 'r'", "tag:mlflow.runName = 'r'"},
      {"tags.team IS NULL", "tag:team IS NULL"},
      {"tag.team is not null", "tag:team IS NOT NULL"},
      {"params.p IS NOT NULL AND tags.t IS NULL",
       "param:p IS NOT NULL AND tag:t IS NULL"},
      {"tags.x IN ('a', \"b\")", "tag:x IN ('a','b')"},
      {"tags.x in('a')", "tag:x IN ('a')"},
      {"params.x not in ( 'a' , 'b' )", "param:x NOT IN ('a','b')"},
      // Attributes and their aliases.
      {"attributes.status = 'FINISHED'", "attr:status = 'FINISHED'"},
      {"status != 'RUNNING'", "attr:status != 'RUNNING'"},
      {"run.run_name = 'x'", "attr:run_name = 'x'"},
      {"attr.created > 5", "attr:start_time > 5"},
      {"`Run name` = 'a'", "attr:run_name = 'a'"},
      {"\"run name\" LIKE 'a%'", "attr:run_name LIKE 'a%'"},
      {"run_id IN ('a','b')", "attr:run_id IN ('a','b')"},
      {"attributes.run_uuid = 'x'", "attr:run_id = 'x'"},
      {"attributes.`user_id` ILIKE 'Al%'", "attr:user_id ILIKE 'Al%'"},
      {"end_time <= 1700000000000", "attr:end_time <= 1.7e+12"},
      {"start_time >= 1.5", "attr:start_time >= 1.5"},
      {"artifact_uri NOT IN ('s3://x')", "attr:artifact_uri NOT IN ('s3://x')"},
      {"lifecycle_stage = 'active'", "attr:lifecycle_stage = 'active'"},
      // Datasets.
      {"datasets.name = 'd'", "dataset:name = 'd'"},
      {"dataset.DIGEST IN ('x')", "dataset:digest IN ('x')"},
      {"datasets.context LIKE 'tr%'", "dataset:context LIKE 'tr%'"},
      {"datasets.name != 'd'", "dataset:name != 'd'"},
      // AND is case-insensitive; whitespace is free.
      {"metrics.a > 1 and params.b = 'x' AnD tags.c != 'y'",
       "metric:a > 1 AND param:b = 'x' AND tag:c != 'y'"},
      {"\tmetrics.a\n>\r\n1  ", "metric:a > 1"},
      {"metrics.a>1 AND metrics.b<2", "metric:a > 1 AND metric:b < 2"},
      // Escapes in quoted text.
      {"params.x = 'it''s'", "param:x = 'it's'"},
      {"params.x = 'it\\'s'", "param:x = 'it's'"},
      {"params.x = 'C:\\temp'", "param:x = 'C:\\temp'"},
      {"params.x = 'a\\\\b'", "param:x = 'a\\b'"},
      {"params.x LIKE 'a\\_b'", "param:x LIKE 'a\\_b'"},
      {"params.x = \"say \"\"hi\"\"\"", "param:x = 'say \"hi\"'"},
      {"params.x = ''", "param:x = ''"},
      {"params.x = '' AND params.y = \"\"", "param:x = '' AND param:y = ''"},
      {"params.`a``b` = 'c'", "param:a`b = 'c'"},
      // Unicode keys and values.
      {"params.模型 = 'δ'", "param:模型 = 'δ'"},
      {"tags.`ключ` = 'значение 🚀'", "tag:ключ = 'значение 🚀'"},
      // Hostile input is data, never syntax.
      {"params.x = 'a'' OR 1=1 --'", "param:x = 'a' OR 1=1 --'"},
      {"metrics.`a; DROP TABLE runs` > 1", "metric:a; DROP TABLE runs > 1"},
      {"tags.t = '\"; DELETE FROM tags; --'", "tag:t = '\"; DELETE FROM tags; --'"},
      {"params.x = 'a\\' OR 1=1 --'", "param:x = 'a' OR 1=1 --'"},

      // Errors, with the position they must name.
      {"metrics.rmse   foo", "error@15: expected a comparator"},
      {"metrics.rmse foo", "error@13: after 'metrics.rmse', found 'foo'"},
      {"metrics.rmse > 1 OR metrics.b < 2", "error@17: OR is not supported"},
      {"metrics.rmse > 1 or metrics.b < 2", "error@17: OR is not supported"},
      {"params.x = 'a' OR '1'='1'", "error@15: OR is not supported"},
      {"metrics.a > 1 AND", "error@17: expected an identifier"},
      {"metrics.a > 1 AND ", "error@18: found end of input"},
      {"AND metrics.a > 1", "error@4: expected a comparator"},
      {"metrics.a > 'x'", "error@12: metric 'a' must be compared with a number"},
      {"metrics.a > \"1\"", "error@12: must be compared with a number"},
      {"metrics.a LIKE '1'", "error@10: comparator LIKE is not supported for metric 'a'"},
      {"metrics.a IN ('1')", "error@10: comparator IN is not supported"},
      {"metrics.a IS NULL", "error@10: comparator IS NULL is not supported"},
      {"params.a = 1", "error@11: param 'a' must be compared with a quoted string"},
      {"tags.a != -1.5", "error@10: tag 'a' must be compared with a quoted string"},
      {"params.a = abc",
       "error@11: expected a value after = (a number or a quoted string), "
       "found 'abc'"},
      {"params.a < 'x'", "error@9: comparator < is not supported for param 'a'"},
      {"tags.a >= 'x'", "error@7: comparator >= is not supported for tag"},
      {"foo.bar = 'x'", "error@0: invalid entity type 'foo'"},
      {"metricz.a > 1", "error@0: invalid entity type 'metricz'"},
      {"attributes.foo = 'x'", "error@0: invalid attribute key 'foo'"},
      {"foo = 'x'", "error@0: invalid attribute key 'foo'"},
      {"start_time = 'x'",
       "error@13: attribute start_time must be compared with a number"},
      {"start_time LIKE '1%'",
       "error@11: comparator LIKE is not supported for attribute "
       "start_time"},
      {"start_time IS NULL", "error@11: comparator IS NULL is not supported"},
      {"status > 'x'", "error@7: comparator > is not supported for attribute status"},
      {"status = 1", "error@9: attribute status must be compared with a quoted string"},
      {"run_id IN 'a'", "error@10: expected '(' to start a list"},
      {"datasets.size = 'x'", "error@0: invalid dataset key 'size'"},
      {"datasets.name > 'x'",
       "error@14: comparator > is not supported for datasets.name"},
      {"datasets.name = 5", "error@16: must be compared with a quoted string"},
      {"params.x = 'abc", "error@11: unterminated quoted text"},
      {"params.x = 'abc\\'", "error@11: unterminated quoted text"},
      {"params.`abc = 'x'", "error@7: unterminated quoted text"},
      {"params.x IN ('a', 'b", "error@18: unterminated quoted text"},
      {"params. = 'x'", "error@7: expected a key after 'params.', found '='"},
      {"params.", "error@7: expected a key after 'params.', found end of input"},
      {"params.`` = 'x'", "error@7: empty key"},
      {"metrics.`a`b > 1", "error@11: unexpected 'b' after a quoted key"},
      {"metrics.a > 1 metrics.b > 2",
       "error@14: expected AND or the end, found 'metrics.b'"},
      {"metrics.a > 1 AND AND metrics.b > 2", "error@22: expected a comparator"},
      {"tags.x IN ()", "error@11: expected a quoted string in the list, found ')'"},
      {"tags.x IN ('a',)", "error@15: expected a quoted string in the list"},
      {"tags.x IN ('a' 'b')", "error@15: expected ',' or ')' in the list, found ''b''"},
      {"tags.x IN ('a', 1)", "error@16: expected a quoted string in the list, found '1'"},
      {"tags.x IN 'a'", "error@10: expected '(' to start a list"},
      {"metrics.a > 1.2.3", "error@12: invalid number '1.2.3'"},
      {"metrics.a > 1e", "error@12: invalid number '1e'"},
      {"metrics.a > 12abc", "error@12: invalid number '12abc'"},
      {"metrics.a > -", "error@12: invalid number '-'"},
      {"metrics.a > 1e999", "error@12: number '1e999' is out of range"},
      {"metrics.a > inf", "error@12: expected a value after >"},
      {"metrics.a > -inf", "error@12: invalid number '-inf'"},
      {"metrics.a > nan", "error@12: expected a value"},
      {"metrics.a > 0x10", "error@12: invalid number '0x10'"},
      {"metrics.a == 1", "error@11: (a number or a quoted string), found '='"},
      {"metrics.a <> 1", "error@11: expected a value after <"},
      {"metrics.a => 1", "error@11: expected a value after ="},
      {"tags.x NOT LIKE 'a'", "error@11: expected IN after NOT, found 'LIKE'"},
      {"tags.x IS 'a'", "error@10: expected NULL or NOT NULL after IS, found ''a''"},
      {"tags.x IS NOT 'a'", "error@14: expected NULL after IS"},
      {"params.x = 'a'; DROP TABLE runs", "error@14: expected AND or the end, found ';'"},
      {"params.x = 'a' -- comment", "error@15: expected AND or the end"},
      {"(metrics.a > 1)", "error@0: expected an identifier"},
      {"metrics.a > (1)", "error@12: expected a value after >"},
      {"* = 1", "error@0: expected an identifier such as metrics.<key>"},
      {"params.x = 'a' AND metrics.y > 'b'", "error@31: metric 'y' must be compared"},
  };
  return kCases;
}

TEST(ParseRunFilter, Goldens) {
  for (const Golden& g : RunFilterGoldens())
    ExpectGolden(g.input, ParseRunFilter(g.input), g.want);
}

TEST(ParseRunFilter, RejectsNulAndMalformedUtf8) {
  std::string nul("params.x = 'a\0b'", 16);
  ExpectGolden(nul, ParseRunFilter(nul), "error@13: NUL character is not allowed");
  std::string nul_key("metrics.a\0 > 1", 14);
  ExpectGolden(nul_key, ParseRunFilter(nul_key), "error@9: NUL character");
  for (std::string bad :
       {std::string("params.x = '\xff'"), std::string("params.x = '\xc3'"),
        std::string("params.x = '\xed\xa0\x80'"),  // a surrogate
        std::string("params.x = '\xc0\xaf'")}) {   // an overlong '/'
    ExpectGolden(bad, ParseRunFilter(bad), "error@12: text is not valid UTF-8");
  }
}

TEST(ParseRunFilter, LongInputs) {
  std::string long_value(10'000, 'a');
  auto ok = ParseRunFilter("params.x = '" + long_value + "'");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::get<std::string>(ok->clauses[0].value), long_value);

  // Error messages quote at most a short, well-formed excerpt of the input.
  std::string long_key;
  for (int i = 0; i < 3'000; ++i) long_key += "é";
  std::string bad = "attributes." + long_key + " = 'x'";
  ExpectGolden(bad, ParseRunFilter(bad), "error@0: invalid attribute key 'ééé");
  std::string unterminated = "params.x = '" + long_value;
  ExpectGolden(unterminated, ParseRunFilter(unterminated), "error@11: unterminated");
  std::string junk = "metrics.a " + std::string(10'000, '?');
  ExpectGolden(junk, ParseRunFilter(junk), "error@10: expected a comparator");

  std::string many;
  for (int i = 0; i < 700; ++i) many += (i ? " AND " : "") + std::string("metrics.m > 1");
  ASSERT_GT(many.size(), 10'000u);
  auto parsed = ParseRunFilter(many);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->clauses.size(), 700u);
}

TEST(ParseRunFilter, ListSizeIsCapped) {
  auto list = [](int n) {
    std::string s = "run_id IN (";
    for (int i = 0; i < n; ++i) s += (i ? ",'" : "'") + std::to_string(i) + "'";
    return s + ")";
  };
  auto ok = ParseRunFilter(list(10'000));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(std::get<std::vector<std::string>>(ok->clauses[0].value).size(), 10'000u);
  auto too_many = ParseRunFilter(list(10'001));
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("at most 10000 values"), std::string::npos);
}

// A cheap in-test fuzzer: random splices of grammar fragments and bytes must
// parse or fail with kInvalidArgument naming a position; ASan/UBSan watch.
TEST(ParseRunFilter, RandomInputsNeverCrash) {
  const std::vector<std::string> pieces = {"metrics.",    "params.",
                                           "tags.",       "datasets.",
                                           "attributes.", "a",
                                           "rmse",        "`",
                                           "\"",          "'",
                                           "''",          "\\",
                                           " ",           "=",
                                           "!=",          "<",
                                           ">=",          "LIKE",
                                           "ILIKE",       "IN",
                                           "NOT",         "IS",
                                           "NULL",        "(",
                                           ")",           ",",
                                           "AND",         "OR",
                                           "1",           "-",
                                           ".",           "e",
                                           "5",           "%",
                                           "_",           "é",
                                           "\xff",        std::string(1, '\0'),
                                           "status",      "start_time",
                                           "name",        "context",
                                           "\t",          ";",
                                           "--"};
  std::mt19937 rng(12345);
  for (int i = 0; i < 20'000; ++i) {
    std::string text;
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    for (auto parse : {&ParseRunFilter, &ParseExperimentFilter}) {
      auto r = parse(text);
      if (!r.ok()) {
        ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
        ASSERT_NE(r.status().message().find("at position "), std::string::npos) << text;
        ASSERT_TRUE(IsValidUtf8(r.status().message())) << text;
      }
    }
    auto o = ParseRunOrderBy(text);
    if (!o.ok()) {
      ASSERT_EQ(o.status().code(), StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(ParseRunOrderBy, Goldens) {
  const std::vector<Golden> cases = {
      {"metrics.rmse", "metric:rmse ASC"},
      {"metrics.rmse DESC", "metric:rmse DESC"},
      {"  metric.`a b`   asc ", "metric:a b ASC"},
      {"params.lr desc", "param:lr DESC"},
      {"tags.t", "tag:t ASC"},
      {"start_time desc", "attr:start_time DESC"},
      {"attributes.created", "attr:start_time ASC"},
      {"attributes.run_name DESC", "attr:run_name DESC"},
      {"end_time", "attr:end_time ASC"},
      {"", "error@0: empty order_by clause"},
      {"   ", "error@3: empty order_by clause"},
      {"metrics.a DESC ASC", "error@15: expected ASC, DESC or the end, found 'ASC'"},
      {"metrics.a DESCENDING",
       "error@10: expected ASC, DESC or the end, found 'DESCENDING'"},
      {"metrics.a; DROP TABLE runs", "error@9: expected ASC, DESC or the end, found ';'"},
      {"datasets.name", "error@0: cannot order by 'datasets.name'"},
      {"foo", "error@0: invalid attribute key 'foo'"},
      {"bar.x", "error@0: invalid entity type 'bar'"},
      {"metrics.`a", "error@8: unterminated quoted text"},
  };
  for (const Golden& g : cases) ExpectGolden(g.input, ParseRunOrderBy(g.input), g.want);
}

TEST(ParseExperimentFilter, Goldens) {
  const std::vector<Golden> cases = {
      {"name = 'fraud'", "attr:name = 'fraud'"},
      {"attributes.name ILIKE '%Fraud%'", "attr:name ILIKE '%Fraud%'"},
      {"creation_time > 1700000000000", "attr:creation_time > 1.7e+12"},
      {"last_update_time <= 5 AND tags.team = 'risk'",
       "attr:last_update_time <= 5 AND tag:team = 'risk'"},
      {"experiment_id IN ('1', '2')", "attr:experiment_id IN ('1','2')"},
      {"experiment_id = '0'", "attr:experiment_id = '0'"},
      {"tags.team IS NULL", "tag:team IS NULL"},
      {"metrics.a > 1",
       "error@0: experiments can be filtered by attributes and tags only"},
      {"params.a = 'x'",
       "error@0: experiments can be filtered by attributes and tags only"},
      {"datasets.name = 'x'", "error@0: experiments can be filtered"},
      {"run_id = 'x'", "error@0: invalid attribute key 'run_id': expected one of name"},
      {"experiment_id LIKE '1%'",
       "error@14: comparator LIKE is not supported for "
       "experiment_id"},
      {"experiment_id = 1", "error@16: must be compared with a quoted string"},
      {"creation_time = 'x'", "error@16: must be compared with a number"},
      {"name > 'a'", "error@5: comparator > is not supported for attribute name"},
      {"name = 'a' OR name = 'b'", "error@11: OR is not supported"},
  };
  for (const Golden& g : cases)
    ExpectGolden(g.input, ParseExperimentFilter(g.input), g.want);
}

TEST(ParseExperimentOrderBy, Goldens) {
  const std::vector<Golden> cases = {
      {"name", "attr:name ASC"},
      {"creation_time DESC", "attr:creation_time DESC"},
      {"last_update_time", "attr:last_update_time ASC"},
      {"experiment_id desc", "attr:experiment_id DESC"},
      {"tags.team", "tag:team ASC"},
      {"metrics.a",
       "error@0: cannot order by 'metrics.a': order experiments by an attribute"},
      {"params.a", "error@0: cannot order by"},
      {"start_time", "error@0: invalid attribute key 'start_time'"},
  };
  for (const Golden& g : cases)
    ExpectGolden(g.input, ParseExperimentOrderBy(g.input), g.want);
}

}  // namespace
}  // namespace ferry::tracking
