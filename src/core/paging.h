// Page tokens: the offset of the next page as decimal text. A search asks
// the store for one row more than the page to learn whether more follow.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace ferry {

// "" is the first page (0); anything but a token NextPageToken made is
// kInvalidArgument naming page_token.
Result<int64_t> ParsePageToken(const std::string& token);

// The token after a page of `page` rows that started at `offset`; "" when
// no rows follow.
std::string NextPageToken(int64_t offset, size_t page, bool more);

// Checks max_results against [1, limit], in MLflow's words.
Status CheckMaxResults(int64_t max_results, int64_t limit);

}  // namespace ferry
