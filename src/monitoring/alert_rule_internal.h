// What alert_rule.cc and alert_expression.cc share: the condition parser
// and the text helpers of their error messages. Not for other callers.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "monitoring/alert_rule.h"

namespace ferry::monitoring::alert_internal {

bool IsValidUtf8(std::string_view s);
// `s` quoted for an error message: at most 40 bytes, control characters and
// malformed UTF-8 as '?', so a hostile value cannot bloat or corrupt it.
std::string Shown(std::string_view s);
// 1..max_bytes of [A-Za-z0-9_.-].
bool IsName(std::string_view s, size_t max_bytes);
// A condition; messages without the "expr: " prefix.
Result<Condition> ParseCondition(std::string_view expr);

}  // namespace ferry::monitoring::alert_internal
