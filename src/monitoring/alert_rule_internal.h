// What alert_rule.cc and alert_expression.cc share: the condition parser
// and the text helpers of their error messages. Not for other callers.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/text.h"
#include "monitoring/alert_rule.h"

namespace ferry::monitoring::alert_internal {

using ::ferry::IsValidUtf8;
// `s` quoted for an error message (at most 40 bytes; see core/text.h).
inline std::string Shown(std::string_view s) { return QuotedForMessage(s); }
// 1..max_bytes of [A-Za-z0-9_.-].
bool IsName(std::string_view s, size_t max_bytes);
// A condition; messages without the "expr: " prefix.
Result<Condition> ParseCondition(std::string_view expr);

}  // namespace ferry::monitoring::alert_internal
