// Cron schedules for pipeline triggers: when does "0 9 * * MON-FRI" fire next?
//
// CronSchedule parses the five-field cron syntax of Vixie cron (the crontab(5)
// of Debian, cronie and POSIX) and answers Next(). It is a pure value: no
// clock, no I/O. Immutable after Parse, so one schedule may be shared between
// threads without locking.
//
// Time is UTC only. There are no time zones and so no daylight-saving gaps or
// repeats: "30 2 * * *" fires at 02:30 UTC every day.
//
// Syntax: "minute hour day-of-month month day-of-week", fields separated by
// spaces or tabs. Each field is a comma list of items; an item is `*`, `N` or
// `N-M`, optionally followed by `/step` (`*/15`, `1-30/7`; `5/10` means
// `5-max/10`, as Vixie does). Ranges: minute 0-59, hour 0-23, day-of-month
// 1-31, month 1-12 or JAN-DEC, day-of-week 0-7 or SUN-SAT, where 0 and 7 are
// both Sunday. Names are case-insensitive. As a range end, SUN means 7, so
// FRI-SUN is Friday to Sunday. The macros @yearly (= @annually), @monthly,
// @weekly, @daily (= @midnight) and @hourly stand for their usual fields;
// @reboot is rejected because a pipeline has no boot to hook.
//
// Days follow Vixie's rule: when both day fields are restricted (neither
// starts with `*`) a day matches if EITHER matches ("0 0 1 * MON" fires on the
// 1st and on every Monday); otherwise both must ("0 0 */2 * MON" fires on
// Mondays with an odd date).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::pipelines {

class CronSchedule {
 public:
  // Longest expression Parse accepts, in bytes.
  static constexpr size_t kMaxTextBytes = 256;
  // How far Next looks ahead before giving up: 8 years of 366 days.
  static constexpr int64_t kSearchDays = 8 * 366;

  // kInvalidArgument naming the field and the offending item, e.g.
  // "cron 'x': day-of-week: 8 is out of range 0-7", for a wrong field count,
  // an empty item, a step of 0 (or one wider than the field), a reversed range
  // (5-1), an out-of-range number, an unknown name or macro, any other
  // character, @reboot, or text longer than kMaxTextBytes.
  static Result<CronSchedule> Parse(std::string_view text);

  // The first fire time strictly after `after_ms` (ms since the Unix epoch,
  // UTC), always a whole minute. nullopt when there is none within
  // kSearchDays (e.g. "0 0 30 2 *") or when `after_ms` lies outside the years
  // 1-9999. Cost: at most one step per day, or per month where the month does
  // not match, in the search window.
  std::optional<int64_t> Next(int64_t after_ms) const;

  // The expression exactly as given to Parse.
  const std::string& text() const { return text_; }

 private:
  CronSchedule() = default;

  bool DayMatches(unsigned day_of_month, unsigned day_of_week) const;
  // The first minute of the day (0-1439) at or after `from` that matches the
  // hour and minute fields, or -1.
  int FirstMinuteOfDay(int from) const;

  std::string text_;
  // Bit i set when value i matches. Day-of-week has Sunday folded onto bit 0.
  uint64_t minutes_ = 0;
  uint32_t hours_ = 0;
  uint32_t days_of_month_ = 0;
  uint16_t months_ = 0;
  uint8_t days_of_week_ = 0;
  // True when the field starts with `*`: Vixie's switch between AND and OR.
  bool day_of_month_star_ = false;
  bool day_of_week_star_ = false;
};

}  // namespace ferry::pipelines
