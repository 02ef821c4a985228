// Clock: the one source of wall time, behind an interface so tests can fake it.
#pragma once
#include <cstdint>

namespace ferry {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
  static const Clock& System();
};

}  // namespace ferry
