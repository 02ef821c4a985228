// The merge walk under every two-sample statistic: the distinct values of
// two sorted samples in ascending order, each with the index ranges that
// hold it in either sample. Header-only, pure, O(n1 + n2).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

namespace ferry::monitoring {

// Calls fn(value, a_begin, a_end, b_begin, b_end) once per distinct value;
// a range is empty when its sample lacks the value.
template <typename Fn>
void ForEachTieGroup(std::span<const double> a, std::span<const double> b, Fn&& fn) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double v = j == b.size() ? a[i] : (i == a.size() ? b[j] : std::min(a[i], b[j]));
    const size_t i0 = i, j0 = j;
    while (i < a.size() && a[i] == v) ++i;
    while (j < b.size() && b[j] == v) ++j;
    fn(v, i0, i, j0, j);
  }
}

}  // namespace ferry::monitoring
