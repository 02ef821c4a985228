#include "pipelines/cron.h"

#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <span>
#include <string>
#include <vector>

namespace ferry::pipelines {
namespace {

namespace chrono = std::chrono;

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMinutesPerDay = 1'440;
constexpr int64_t kMsPerDay = kMsPerMinute * kMinutesPerDay;
// Next() answers for after_ms in [kMinAfterMs, kEndAfterMs): the years 1-9999,
// far inside what std::chrono's civil calendar can represent.
constexpr int64_t kMinAfterMs =
    chrono::sys_days{chrono::year{1} / 1 / 1}.time_since_epoch().count() * kMsPerDay;
constexpr int64_t kEndAfterMs =
    chrono::sys_days{chrono::year{10000} / 1 / 1}.time_since_epoch().count() * kMsPerDay;

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kDayNames[] = {"SUN", "MON", "TUE", "WED",
                                          "THU", "FRI", "SAT"};

enum FieldIndex { kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek, kFieldCount };

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] stands for min + i
  std::string_view name_kind;               // "month" or "day" in messages
  bool sun_ends_at_7 = false;               // FRI-SUN means 5-7
};

constexpr FieldSpec kFields[kFieldCount] = {
    {"minute", 0, 59, {}, {}},
    {"hour", 0, 23, {}, {}},
    {"day-of-month", 1, 31, {}, {}},
    {"month", 1, 12, kMonthNames, "month"},
    {"day-of-week", 0, 7, kDayNames, "day", true},
};

struct Macro {
  std::string_view name;
  std::string_view fields;
};

constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto upper = [](char c) {
      return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    };
    if (upper(a[i]) != upper(b[i])) return false;
  }
  return true;
}

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t start = text.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    const size_t end = std::min(text.find_first_of(" \t", start), text.size());
    fields.push_back(text.substr(start, end - start));
    pos = end;
  }
  return fields;
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// Parses one field of one expression; every error names the expression and field.
class FieldParser {
 public:
  FieldParser(std::string_view text, const FieldSpec& spec) : text_(text), spec_(spec) {}

  // The field's values as a bit set (bit i = value i).
  Result<uint64_t> Parse(std::string_view field) const {
    uint64_t bits = 0;
    size_t pos = 0;
    while (true) {
      const size_t comma = field.find(',', pos);
      const std::string_view item = field.substr(pos, comma - pos);
      if (item.empty()) return Error("empty item in " + Quoted(field));
      ASSIGN_OR_RETURN(uint64_t item_bits, ParseItem(item));
      bits |= item_bits;
      if (comma == std::string_view::npos) return bits;
      pos = comma + 1;
    }
  }

 private:
  // item = ("*" | value | value "-" value) ["/" step]
  Result<uint64_t> ParseItem(std::string_view item) const {
    const size_t slash = item.find('/');
    const bool has_step = slash != std::string_view::npos;
    const std::string_view base = item.substr(0, slash);
    int low = spec_.min;
    int high = spec_.max;
    if (base != "*") {
      const size_t dash = base.find('-');
      ASSIGN_OR_RETURN(low, ParseValue(item, base.substr(0, dash), false));
      if (dash != std::string_view::npos) {
        ASSIGN_OR_RETURN(high, ParseValue(item, base.substr(dash + 1), true));
        if (low > high) {
          return Error("range " + std::string(base) + " is reversed (" +
                       std::to_string(low) + " > " + std::to_string(high) + ")");
        }
      } else if (!has_step) {
        high = low;
      }  // else "N/step" means N-max/step, as in Vixie cron.
    }
    int step = 1;
    if (has_step) {
      ASSIGN_OR_RETURN(step, ParseStep(item, item.substr(slash + 1)));
    }
    uint64_t bits = 0;
    for (int v = low; v <= high; v += step) bits |= uint64_t{1} << v;
    return bits;
  }

  // A number or, where the field has them, a name. `range_end`: SUN there is 7.
  Result<int> ParseValue(std::string_view item, std::string_view token,
                         bool range_end) const {
    if (token.empty()) return Error(Quoted(item) + " is missing a number");
    if (token.find_first_not_of("0123456789") == std::string_view::npos) {
      return CheckRange(token, spec_.min, spec_.max);
    }
    for (size_t i = 0; i < spec_.names.size(); ++i) {
      if (!EqualsIgnoreCase(token, spec_.names[i])) continue;
      const int value = spec_.min + static_cast<int>(i);
      return (range_end && spec_.sun_ends_at_7 && value == 0) ? 7 : value;
    }
    std::string expected = "a number";
    if (!spec_.name_kind.empty()) {
      expected += " or " + std::string(spec_.name_kind) + " name";
    }
    return Error(Quoted(token) + " is not " + expected);
  }

  // A step of 1 up to the field's width; a wider one could only ever hit its start.
  Result<int> ParseStep(std::string_view item, std::string_view token) const {
    if (token.empty()) return Error(Quoted(item) + " is missing a step");
    if (token.find_first_not_of("0123456789") != std::string_view::npos) {
      return Error("step " + Quoted(token) + " is not a number");
    }
    return CheckRange(token, 1, spec_.max - spec_.min + 1, "step ");
  }

  Result<int> CheckRange(std::string_view digits, int min, int max,
                         std::string_view what = "") const {
    int value = 0;
    const auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value < min ||
        value > max) {
      return Error(std::string(what) + std::string(digits) + " is out of range " +
                   std::to_string(min) + "-" + std::to_string(max));
    }
    return value;
  }

  Status Error(const std::string& detail) const {
    return InvalidArgument("cron " + Quoted(text_) + ": " + std::string(spec_.name) +
                           ": " + detail);
  }

  std::string_view text_;
  const FieldSpec& spec_;
};

// The five fields a macro stands for, or an error for an unknown or unsupported one.
Result<std::string_view> ExpandMacro(std::string_view text, std::string_view token,
                                     size_t token_count) {
  const std::string prefix = "cron " + Quoted(text) + ": ";
  if (EqualsIgnoreCase(token, "@reboot")) {
    return InvalidArgument(prefix +
                           "@reboot is not supported: a pipeline trigger has no boot");
  }
  for (const Macro& macro : kMacros) {
    if (!EqualsIgnoreCase(token, macro.name)) continue;
    if (token_count != 1) {
      return InvalidArgument(prefix + std::string(macro.name) + " takes no fields");
    }
    return macro.fields;
  }
  return InvalidArgument(prefix + "unknown macro " + Quoted(token) +
                         " (expected @yearly, @annually, @monthly, @weekly, @daily, "
                         "@midnight or @hourly)");
}

}  // namespace

Result<CronSchedule> CronSchedule::Parse(std::string_view text) {
  if (text.size() > kMaxTextBytes) {
    return InvalidArgument("cron: expression is " + std::to_string(text.size()) +
                           " bytes, over the limit of " + std::to_string(kMaxTextBytes));
  }
  std::vector<std::string_view> fields = SplitFields(text);
  if (!fields.empty() && fields[0].starts_with('@')) {
    ASSIGN_OR_RETURN(std::string_view expansion,
                     ExpandMacro(text, fields[0], fields.size()));
    fields = SplitFields(expansion);
  }
  if (fields.size() != kFieldCount) {
    return InvalidArgument("cron " + Quoted(text) +
                           ": expected 5 fields (minute hour day-of-month month "
                           "day-of-week), found " +
                           std::to_string(fields.size()));
  }
  uint64_t bits[kFieldCount];
  for (int i = 0; i < kFieldCount; ++i) {
    ASSIGN_OR_RETURN(bits[i], FieldParser(text, kFields[i]).Parse(fields[i]));
  }
  CronSchedule schedule;
  schedule.text_ = std::string(text);
  schedule.minutes_ = bits[kMinute];
  schedule.hours_ = static_cast<uint32_t>(bits[kHour]);
  schedule.days_of_month_ = static_cast<uint32_t>(bits[kDayOfMonth]);
  schedule.months_ = static_cast<uint16_t>(bits[kMonth]);
  // Day-of-week 7 is Sunday again: fold bit 7 onto bit 0.
  schedule.days_of_week_ =
      static_cast<uint8_t>((bits[kDayOfWeek] | (bits[kDayOfWeek] >> 7)) & 0x7f);
  schedule.day_of_month_star_ = fields[kDayOfMonth].starts_with('*');
  schedule.day_of_week_star_ = fields[kDayOfWeek].starts_with('*');
  return schedule;
}

bool CronSchedule::DayMatches(unsigned day_of_month, unsigned day_of_week) const {
  const bool dom = (days_of_month_ >> day_of_month) & 1u;
  const bool dow = (days_of_week_ >> day_of_week) & 1u;
  // Vixie cron: a `*` in either day field makes the two fields an AND.
  if (day_of_month_star_ || day_of_week_star_) return dom && dow;
  return dom || dow;
}

int CronSchedule::FirstMinuteOfDay(int from) const {
  for (int hour = from / 60; hour < 24; ++hour) {
    if (((hours_ >> hour) & 1u) == 0) continue;
    const int first = hour == from / 60 ? from % 60 : 0;
    const uint64_t candidates = minutes_ & (~uint64_t{0} << first);
    if (candidates != 0) return hour * 60 + std::countr_zero(candidates);
  }
  return -1;
}

std::optional<int64_t> CronSchedule::Next(int64_t after_ms) const {
  if (after_ms < kMinAfterMs || after_ms >= kEndAfterMs) return std::nullopt;
  const int64_t first_minute = FloorDiv(after_ms, kMsPerMinute) + 1;
  chrono::sys_days day{chrono::days{FloorDiv(first_minute, kMinutesPerDay)}};
  int from =
      static_cast<int>(first_minute - day.time_since_epoch().count() * kMinutesPerDay);
  const chrono::sys_days end = day + chrono::days{kSearchDays};
  while (day < end) {
    const chrono::year_month_day date{day};
    if (((months_ >> unsigned{date.month()}) & 1u) == 0) {
      // Skip the rest of a month that never fires.
      day = chrono::sys_days{(date.year() / date.month() + chrono::months{1}) / 1};
    } else if (DayMatches(unsigned{date.day()}, chrono::weekday{day}.c_encoding())) {
      const int minute = FirstMinuteOfDay(from);
      if (minute >= 0) {
        return (day.time_since_epoch().count() * kMinutesPerDay + minute) * kMsPerMinute;
      }
      day += chrono::days{1};
    } else {
      day += chrono::days{1};
    }
    from = 0;
  }
  return std::nullopt;
}

}  // namespace ferry::pipelines
