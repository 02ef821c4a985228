#include "monitoring/csv_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

namespace ferry::monitoring {
namespace {

Table Parse(const std::string& text, const CsvOptions& options = {}) {
  Result<Table> t = ParseCsv(text, options);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? std::move(t).value() : Table{};
}

TEST(CsvReader, InfersKindsLikeEvidently) {
  std::string text = "f,i_few,i_many,i_missing,s,t\n";
  for (int r = 0; r < 40; ++r) {
    text += std::to_string(r) + ".5," + std::to_string(r % 3) + "," + std::to_string(r) + "," +
            (r == 7 ? "" : std::to_string(r % 2)) + ",c" + std::to_string(r % 4) + ",t" + std::to_string(r) + "\n";
  }
  Table t = Parse(text);
  ASSERT_EQ(t.columns.size(), 6u);
  EXPECT_EQ(t.rows, 40u);
  EXPECT_EQ(t.Find("f")->kind, ColumnKind::kNumerical);
  EXPECT_EQ(t.Find("i_few")->kind, ColumnKind::kCategorical);  // integers, <= 10 distinct
  EXPECT_EQ(t.Find("i_many")->kind, ColumnKind::kNumerical);   // integers, > 10 distinct
  EXPECT_EQ(t.Find("i_missing")->kind, ColumnKind::kNumerical);  // a missing cell: pandas reads floats
  EXPECT_EQ(t.Find("s")->kind, ColumnKind::kCategorical);
  EXPECT_EQ(t.Find("t")->kind, ColumnKind::kText);  // more than half distinct
  EXPECT_EQ(t.Find("i_few")->dictionary, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(t.Find("i_missing")->missing, 1u);
}

TEST(CsvReader, QuotesCrlfBlankLinesAndBom) {
  Table t = Parse("\xEF\xBB\xBFname,x\r\n\"a, \"\"b\"\"\",1.5\r\n\r\n\"multi\nline\",2.5\r\n");
  ASSERT_EQ(t.rows, 2u);
  const Column* name = t.Find("name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->dictionary, (std::vector<std::string>{"a, \"b\"", "multi\nline"}));
  EXPECT_EQ(t.Find("x")->numbers, (std::vector<double>{1.5, 2.5}));
}

TEST(CsvReader, QuotedNumbersAreNumbersAsPandasReadsThem) {
  Table t = Parse("\"x\",\"y\"\n\"1.5\",\"a\"\n\"2.5\",\"b\"\n\"\",\"\"\n");
  const Column* x = t.Find("x");
  EXPECT_EQ(x->kind, ColumnKind::kNumerical);
  EXPECT_EQ(x->numbers, (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(x->missing, 1u);
  EXPECT_EQ(t.Find("y")->missing, 1u);
}

TEST(CsvReader, MissingAndNonFiniteCellsAreCountedNotStored) {
  Table t = Parse("x\n1.5\nNaN\n\ninf\n-Infinity\nNA\n1e999\n2.5\n");
  const Column* x = t.Find("x");
  EXPECT_EQ(x->numbers, (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(x->missing, 2u);  // NaN and NA; the blank line is skipped as pandas does
  EXPECT_EQ(x->non_finite, 3u);
  EXPECT_EQ(x->rows, 7u);
}

TEST(CsvReader, LateWordsTurnANumericLookingColumnIntoStrings) {
  std::string text = "x\n";
  for (int r = 0; r < 1500; ++r) text += std::to_string(r % 5) + ".5\n";
  text += "word\n";
  Table t = Parse(text);
  const Column* x = t.Find("x");
  EXPECT_EQ(x->kind, ColumnKind::kCategorical);
  EXPECT_EQ(x->dictionary.size(), 6u);
}

TEST(CsvReader, SchemaForcesKindsAndCountsInvalidCells) {
  Table ref = Parse("x,c\n1.5,1\n2.5,2\n");
  EXPECT_EQ(ref.Find("c")->kind, ColumnKind::kCategorical);
  Table cur = Parse("x,c\n1.5,7\noops,8.0\n", {.schema = &ref});
  EXPECT_EQ(cur.Find("x")->kind, ColumnKind::kNumerical);
  EXPECT_EQ(cur.Find("x")->invalid, 1u);
  EXPECT_EQ(cur.Find("c")->kind, ColumnKind::kCategorical);
  EXPECT_EQ(cur.Find("c")->dictionary, (std::vector<std::string>{"7", "8.0"}));
}

TEST(CsvReader, ParallelSlicesEqualOneThreadEvenWithQuotedLineBreaks) {
  std::mt19937 rng(5);
  std::string text = "a,b,c\n";
  while (text.size() < (3u << 20)) {
    // Some quoted cells hold commas, quotes and line breaks.
    std::string key = rng() % 9 == 0 ? "\"k,\n\"\"" + std::to_string(rng() % 3) + "\"" : "k" + std::to_string(rng() % 7);
    text += std::to_string(rng() % 100000) + "." + std::to_string(rng() % 10) + "," + key + "," + (rng() % 50 == 0 ? "" : std::to_string(rng() % 1000) + ".25") + "\n";
  }
  Table one = Parse(text, {.threads = 1});
  Table two = Parse(text, {.threads = 2});
  ASSERT_EQ(one.rows, two.rows);
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(one.columns[c].numbers, two.columns[c].numbers);
    EXPECT_EQ(one.columns[c].missing, two.columns[c].missing);
    ASSERT_EQ(one.columns[c].codes.size(), two.columns[c].codes.size());
    for (size_t i = 0; i < one.columns[c].codes.size(); ++i) {
      ASSERT_EQ(one.columns[c].dictionary[one.columns[c].codes[i]],
                two.columns[c].dictionary[two.columns[c].codes[i]]);
    }
  }
}

TEST(CsvReader, ErrorsNameTheLine) {
  struct Case {
    std::string text, needle;
  };
  for (const Case& c : std::vector<Case>{{"", "empty"},
                                         {"a,,b\n", "empty name"},
                                         {"a,a\n1,2\n", "appears twice"},
                                         {"a,b\n1,2\n3\n", "line 3: 1 cells"},
                                         {"a,b\n1,2\n\"x\ny\",2\n1,2,3\n", "line 5: 3 cells"},
                                         {"a\n\"open\n", "never closed"},
                                         {"a\n\"x\"y\n", "closing quote"}}) {
    Result<Table> t = ParseCsv(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_NE(t.status().message().find(c.needle), std::string::npos) << t.status().message();
  }
}

TEST(CsvReader, LineNumbersCountEarlierSlices) {
  std::string text = "a\n";
  for (int r = 0; r < 400000; ++r) text += "1.5\n";
  text += "1,2\n";
  Result<Table> t = ParseCsv(text, {.threads = 2});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("line 400002:"), std::string::npos) << t.status().message();
}

TEST(CsvReader, GarbageNeverCrashes) {
  std::mt19937 rng(9);
  const std::string alphabet = "ab,\"\n\r 1.e-+";
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int n = rng() % 64; n > 0; --n) text += alphabet[rng() % alphabet.size()];
    (void)ParseCsv(text);
  }
}

}  // namespace
}  // namespace ferry::monitoring
