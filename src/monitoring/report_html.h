// A drift report as one standalone HTML page (no scripts, no external
// resources): the summary, the per-column table and, per column, an inline
// SVG histogram of reference vs current shares. Every name and value from
// the data is HTML-escaped. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>

#include "monitoring/drift.h"

namespace ferry::monitoring {

std::string DriftReportHtml(const DriftReport& report, std::string_view title);

std::string HtmlEscape(std::string_view text);

}  // namespace ferry::monitoring
