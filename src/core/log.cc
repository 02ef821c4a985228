#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace ferry {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level; }

void Log(LogLevel level, std::string_view msg,
         std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  nlohmann::json line;
  line["ts"] = Clock::System().NowMillis();
  line["level"] = LevelName(level);
  line["msg"] = msg;
  for (const auto& [key, value] : fields) line[std::string(key)] = value;
  std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace ferry
