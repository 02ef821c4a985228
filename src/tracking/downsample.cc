#include "tracking/downsample.h"

#include <algorithm>
#include <cmath>

namespace ferry::tracking {

std::vector<Metric> Downsample(const std::vector<Metric>& history, size_t max_points) {
  max_points = std::max<size_t>(max_points, 4);
  const size_t n = history.size();
  if (n <= max_points) return history;
  // First and last are kept apart; the slices cover the points between.
  const size_t inner = n - 2;
  const size_t slices = (max_points - 2) / 2;
  std::vector<size_t> keep = {0};
  for (size_t s = 0; s < slices; ++s) {
    const size_t begin = 1 + s * inner / slices;
    const size_t end = 1 + (s + 1) * inner / slices;
    size_t lo = end, hi = end;
    for (size_t i = begin; i < end; ++i) {
      const double v = history[i].value;
      if (std::isnan(v)) continue;
      if (lo == end || v < history[lo].value) lo = i;
      if (hi == end || v > history[hi].value) hi = i;
    }
    if (lo == end) {  // only NaNs here
      if (begin < end) keep.push_back(begin);
      continue;
    }
    keep.push_back(std::min(lo, hi));
    if (hi != lo) keep.push_back(std::max(lo, hi));
  }
  keep.push_back(n - 1);
  std::vector<Metric> out;
  out.reserve(keep.size());
  for (size_t i : keep) out.push_back(history[i]);
  return out;
}

}  // namespace ferry::tracking
