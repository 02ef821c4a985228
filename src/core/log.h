// Structured logging: one JSON object per line on stderr.
// Thread-safe (a line is written with one write call).
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ferry {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;
// Writes {"ts":..., "level":..., "msg":..., <fields>} as one line.
void Log(LogLevel level, std::string_view msg,
         std::initializer_list<LogField> fields = {});

}  // namespace ferry
