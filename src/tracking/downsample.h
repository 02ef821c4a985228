// Thins a metric history for drawing: a chart of 10,000,000 points shows no
// more than one of ~1,000 does, but the page that receives them freezes.
#pragma once

#include <cstddef>
#include <vector>

#include "tracking/types.h"

namespace ferry::tracking {

// Keeps at most `max_points` of `history` (ordered by step), in order: the
// first and last points, and in each of max_points / 2 equal slices the
// points with the smallest and the largest value (so spikes survive). NaN
// values are never a slice's min or max; a slice of NaNs only keeps its first.
// Histories of at most max_points come back whole. max_points < 4 counts as 4.
std::vector<Metric> Downsample(const std::vector<Metric>& history, size_t max_points);

}  // namespace ferry::tracking
