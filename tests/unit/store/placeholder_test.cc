// Golden cases for RewritePlaceholders: `?` becomes $1..$n everywhere except
// inside PostgreSQL's literals, quoted identifiers and comments.
#include <gtest/gtest.h>

#include <string>

#include "store/postgres/postgres_database.h"

namespace ferry::store {
namespace {

struct Golden {
  const char* sql;
  const char* want;
};

class PlaceholderTest : public ::testing::TestWithParam<Golden> {};

TEST_P(PlaceholderTest, Rewrites) {
  EXPECT_EQ(RewritePlaceholders(GetParam().sql), GetParam().want)
      << "input: " << GetParam().sql;
}

const Golden kPlain[] = {
    {"", ""},
    {"SELECT 1", "SELECT 1"},
    {"SELECT ?", "SELECT $1"},
    {"a = ? AND b = ?", "a = $1 AND b = $2"},
    {"?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11"},
    {"?::bigint", "$1::bigint"},
    {"x - ? / ?", "x - $1 / $2"},
    {"a$b$c = ?", "a$b$c = $1"},
    {"$1 = ?", "$1 = $1"},
};
INSTANTIATE_TEST_SUITE_P(Plain, PlaceholderTest, ::testing::ValuesIn(kPlain));

const Golden kStrings[] = {
    {"'?'", "'?'"},
    {"'a?b' = ?", "'a?b' = $1"},
    {"'it''s ?' = ?", "'it''s ?' = $1"},
    {"'' = ?", "'' = $1"},
    {R"('\' = ?)", R"('\' = $1)"},  // standard strings: backslash is literal
    {R"(E'\'?' = ?)", R"(E'\'?' = $1)"},
    {R"(e'\\' = ?)", R"(e'\\' = $1)"},
    {R"(x = E'a\\\'?' AND y = ?)", R"(x = E'a\\\'?' AND y = $1)"},
    {R"(NAME'?' = ?)", R"(NAME'?' = $1)"},  // not an E string: ends at '
    {"'日本?' = ?", "'日本?' = $1"},
    {"'unterminated ?", "'unterminated ?"},
};
INSTANTIATE_TEST_SUITE_P(Strings, PlaceholderTest, ::testing::ValuesIn(kStrings));

const Golden kIdentifiers[] = {
    {R"("we?rd" = ?)", R"("we?rd" = $1)"},
    {R"("a""?" = ?)", R"("a""?" = $1)"},
    {R"("it's" = ?)", R"("it's" = $1)"},
};
INSTANTIATE_TEST_SUITE_P(Identifiers, PlaceholderTest,
                         ::testing::ValuesIn(kIdentifiers));

const Golden kComments[] = {
    {"-- why?\nSELECT ?", "-- why?\nSELECT $1"},
    {"SELECT ? -- trailing?", "SELECT $1 -- trailing?"},
    {"/* ? */ ?", "/* ? */ $1"},
    {"/* ? /* nested ? */ ? */ ?", "/* ? /* nested ? */ ? */ $1"},
    {"/* 'not a string */ ?", "/* 'not a string */ $1"},
    {"-- 'not a string\n?", "-- 'not a string\n$1"},
    {"/* unterminated ?", "/* unterminated ?"},
};
INSTANTIATE_TEST_SUITE_P(Comments, PlaceholderTest, ::testing::ValuesIn(kComments));

const Golden kDollarQuotes[] = {
    {"$$?$$ || ?", "$$?$$ || $1"},
    {"$$it's ?$$ = ?", "$$it's ?$$ = $1"},
    {"$f$ ? $g$ ? $f$ = ?", "$f$ ? $g$ ? $f$ = $1"},
    {"$_x1$?$_x1$ ?", "$_x1$?$_x1$ $1"},
    {"$$ unterminated ?", "$$ unterminated ?"},
    {"$ ?", "$ $1"},
};
INSTANTIATE_TEST_SUITE_P(DollarQuotes, PlaceholderTest,
                         ::testing::ValuesIn(kDollarQuotes));

}  // namespace
}  // namespace ferry::store
