#include "monitoring/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ferry::monitoring {

namespace {

constexpr int kChartWidth = 480, kChartHeight = 120;

constexpr std::string_view kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
.drift{color:#b00020;font-weight:600}.ok{color:#1b5e20}.ref{fill:#5c6bc0}.cur{fill:#ef6c00;opacity:.75}
section{margin:1.5em 0}small{color:#666}
</style>)";

std::string Number(double v) {
  if (std::isnan(v)) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Reference and current shares side by side, one pair of bars per bin.
std::string HistogramSvg(const Histogram& h) {
  size_t bins = h.ref.size();
  if (bins == 0) return "";
  double top = 0;
  for (size_t i = 0; i < bins; ++i) top = std::max({top, h.ref[i], h.cur[i]});
  if (top <= 0) top = 1;
  double w = static_cast<double>(kChartWidth) / static_cast<double>(bins);
  std::ostringstream svg;
  svg << "<svg width=\"" << kChartWidth << "\" height=\"" << kChartHeight << "\" role=\"img\">";
  for (size_t i = 0; i < bins; ++i) {
    for (int side = 0; side < 2; ++side) {
      double share = side == 0 ? h.ref[i] : h.cur[i];
      double bar = share / top * (kChartHeight - 4);
      svg << "<rect class=\"" << (side == 0 ? "ref" : "cur") << "\" x=\"" << i * w + side * w / 2
          << "\" y=\"" << kChartHeight - bar << "\" width=\"" << std::max(w / 2 - 1, 1.0) << "\" height=\""
          << bar << "\"><title>";
      std::string label = i < h.labels.size() ? h.labels[i]
                                              : "[" + Number(h.edges[i]) + ", " + Number(h.edges[i + 1]) + ")";
      svg << HtmlEscape(label) << (side == 0 ? " reference " : " current ") << Number(share) << "</title></rect>";
    }
  }
  svg << "</svg>";
  return svg.str();
}

void SummaryTable(const DriftReport& r, std::ostringstream& html) {
  html << "<table><tr><th>column</th><th>kind</th><th>test</th><th>statistic</th><th>p-value</th>"
          "<th>score</th><th>threshold</th><th>drift</th></tr>";
  for (const ColumnDrift& c : r.columns) {
    html << "<tr><td><a href=\"#col-" << HtmlEscape(c.column) << "\">" << HtmlEscape(c.column) << "</a></td><td>"
         << ColumnKindName(c.kind) << "</td>";
    if (!c.tested) {
      html << "<td colspan=\"6\">not tested: " << HtmlEscape(c.reason) << "</td></tr>";
      continue;
    }
    html << "<td>" << c.test << "</td><td>" << Number(c.statistic) << "</td><td>" << Number(c.p_value)
         << "</td><td>" << Number(c.score) << "</td><td>" << Number(c.threshold) << "</td><td class=\""
         << (c.drifted ? "drift\">drift" : "ok\">no drift") << "</td></tr>";
  }
  html << "</table>";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string DriftReportHtml(const DriftReport& r, std::string_view title) {
  std::ostringstream html;
  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>" << HtmlEscape(title) << "</title>"
       << kStyle << "</head><body><h1>" << HtmlEscape(title) << "</h1><p class=\""
       << (r.dataset_drift ? "drift\">Dataset drift" : "ok\">No dataset drift") << "</p><p>" << r.drifted << " of "
       << r.tested << " tested columns drifted (share " << Number(r.share) << ", threshold "
       << Number(r.drift_share) << "); reference " << r.reference_rows << " rows, current " << r.current_rows
       << " rows.</p>";
  SummaryTable(r, html);
  if (!r.findings.empty()) {
    html << "<h2>Findings</h2><ul>";
    for (const Finding& f : r.findings) {
      html << "<li><b>" << HtmlEscape(f.column) << "</b> (" << HtmlEscape(f.kind) << "): " << HtmlEscape(f.message)
           << "</li>";
    }
    html << "</ul>";
  }
  html << "<h2>Columns</h2><p><small>bars: <span style=\"color:#5c6bc0\">reference</span> and "
          "<span style=\"color:#ef6c00\">current</span> share per bin</small></p>";
  for (const ColumnDrift& c : r.columns) {
    html << "<section id=\"col-" << HtmlEscape(c.column) << "\"><h3>" << HtmlEscape(c.column) << "</h3>"
         << HistogramSvg(c.histogram) << "</section>";
  }
  html << "</body></html>\n";
  return html.str();
}

}  // namespace ferry::monitoring
