// Text checks shared by the parsers of user files (alert rules, gate
// policies, pipeline files): UTF-8 validity, and values quoted safely in
// error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no
// overlong forms, no UTF-16 surrogates, nothing past U+10FFFF), or 0 when
// there is none. `i` must be < s.size().
size_t Utf8SequenceAt(std::string_view s, size_t i);

bool IsValidUtf8(std::string_view s);

// `s` in single quotes for an error message: at most `max_bytes` of it
// (then "..."), control characters and malformed UTF-8 as '?', so a hostile
// value can neither bloat nor corrupt the message.
std::string QuotedForMessage(std::string_view s, size_t max_bytes = 40);

}  // namespace ferry
