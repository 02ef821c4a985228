// Reading a CSV file (RFC 4180: a header row, commas, double-quoted cells
// with "" for a quote, LF or CRLF line ends) into a typed Table.
//
// Numbers are parsed with std::from_chars. Without a schema, each column's
// kind is inferred (table.h); with one, a column named in the schema takes
// the schema's kind, so current data is read the way its reference was (a
// non-number in a numerical column is then counted as `invalid`, not fatal).
// Files with no quote character are parsed in parallel, one slice of lines
// per thread. Errors name the line: a row with the wrong number of cells, an
// unterminated quote, a duplicate or empty header. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "monitoring/table.h"

namespace ferry::monitoring {

struct CsvOptions {
  const Table* schema = nullptr;  // kinds to follow, by column name
  int threads = 0;                // 0: hardware concurrency
};

Result<Table> ParseCsv(std::string_view text, const CsvOptions& options = {});
Result<Table> ReadCsvFile(const std::string& path, const CsvOptions& options = {});

// Whether a cell means "no value" (pandas' default NA strings).
bool IsMissingToken(std::string_view cell);

}  // namespace ferry::monitoring
