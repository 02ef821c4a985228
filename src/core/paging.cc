#include "core/paging.h"

#include <charconv>

namespace ferry {

Result<int64_t> ParsePageToken(const std::string& token) {
  if (token.empty()) return int64_t{0};
  int64_t offset = -1;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), offset);
  if (ec != std::errc() || end != token.data() + token.size() || offset < 0) {
    return InvalidArgument("Invalid page token '" + token.substr(0, 64) +
                           "': page_token must be a token returned by an "
                           "earlier page");
  }
  return offset;
}

std::string NextPageToken(int64_t offset, size_t page, bool more) {
  return more ? std::to_string(offset + static_cast<int64_t>(page)) : "";
}

Status CheckMaxResults(int64_t max_results, int64_t limit) {
  if (max_results < 1 || max_results > limit) {
    return InvalidArgument("Invalid value " + std::to_string(max_results) +
                           " for parameter 'max_results' supplied. It must be "
                           "between 1 and " + std::to_string(limit));
  }
  return Status::Ok();
}

}  // namespace ferry
