// Page tokens: the offset of the next page as decimal text. A search asks
// the store for one row more than the page to learn whether more follow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry {

// "" is the first page (0); anything but a token NextPageToken made is
// kInvalidArgument naming page_token.
Result<int64_t> ParsePageToken(const std::string& token);

// The token after a page of `page` rows that started at `offset`; "" when
// no rows follow.
std::string NextPageToken(int64_t offset, size_t page, bool more);

// Trims `rows`, fetched as max_results + 1 from `offset`, to the page and
// returns the token of the next page ("" when the extra row was not there).
template <typename T>
std::string TrimToPage(std::vector<T>& rows, int64_t offset, int64_t max_results) {
  bool more = static_cast<int64_t>(rows.size()) > max_results;
  if (more) rows.resize(static_cast<size_t>(max_results));
  return NextPageToken(offset, rows.size(), more);
}

// Checks max_results against [1, limit], in MLflow's words.
Status CheckMaxResults(int64_t max_results, int64_t limit);

}  // namespace ferry
