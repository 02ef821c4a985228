// The drift report as JSON (NaN p-values of distance tests become null).
#include "monitoring/drift.h"

namespace ferry::monitoring {

namespace {

nlohmann::json HistogramToJson(const Histogram& h) {
  nlohmann::json j = {{"reference", h.ref}, {"current", h.cur}};
  if (!h.edges.empty()) j["edges"] = h.edges;
  if (!h.labels.empty()) j["labels"] = h.labels;
  return j;
}

nlohmann::json ColumnToJson(const ColumnDrift& c) {
  nlohmann::json j = {{"column", c.column}, {"kind", ColumnKindName(c.kind)}, {"tested", c.tested}};
  if (!c.tested) j["reason"] = c.reason;
  if (!c.test.empty()) {
    j["test"] = c.test;
    j["threshold"] = c.threshold;
  }
  if (c.tested) {
    j["statistic"] = c.statistic;
    j["p_value"] = c.p_value;
    j["score"] = c.score;
    j["drifted"] = c.drifted;
    j["reference_count"] = c.ref_count;
    j["current_count"] = c.cur_count;
  }
  if (!c.histogram.ref.empty()) j["histogram"] = HistogramToJson(c.histogram);
  return j;
}

}  // namespace

nlohmann::json DriftReportToJson(const DriftReport& r) {
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnDrift& c : r.columns) columns.push_back(ColumnToJson(c));
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"column", f.column}, {"kind", f.kind}, {"count", f.count}, {"message", f.message}});
  }
  return {{"dataset_drift", r.dataset_drift},
          {"drift_share", r.drift_share},
          {"drifted_columns", r.drifted},
          {"tested_columns", r.tested},
          {"share_of_drifted_columns", r.share},
          {"reference_rows", r.reference_rows},
          {"current_rows", r.current_rows},
          {"columns", columns},
          {"findings", findings}};
}

}  // namespace ferry::monitoring
