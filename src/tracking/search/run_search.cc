// Executes a compiled run search (search_sql.cc): picks the plan, runs the
// parts in order and cuts the page out of their concatenation.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tracking/search/filter.h"

namespace ferry::tracking {
namespace {

using store::Row;
using store::SqlConnection;
using store::SqlParams;

// True when the experiments hold at least kOrderIndexMinRuns runs; counts
// through runs_by_experiment and stops at the bound.
Result<bool> LargeExperiments(SqlConnection& conn, const RunSearch& search) {
  std::string sql = "SELECT COUNT(*) FROM (SELECT 1 FROM runs WHERE experiment_id IN " +
                    store::InList(search.experiment_ids.size()) + " LIMIT ?) c";
  SqlParams params(search.experiment_ids.begin(), search.experiment_ids.end());
  params.push_back(kOrderIndexMinRuns);
  ASSIGN_OR_RETURN(int64_t n, store::QueryInt(conn, sql, params));
  return n >= kOrderIndexMinRuns;
}

Result<RunSearchPlan> ChoosePlan(SqlConnection& conn, const RunSearch& search) {
  if (search.plan != RunSearchPlan::kAuto) return search.plan;
  if (search.order_by.empty() || search.order_by[0].entity != Entity::kMetric ||
      search.limit == 0) {
    return RunSearchPlan::kScan;
  }
  ASSIGN_OR_RETURN(bool large, LargeExperiments(conn, search));
  return large ? RunSearchPlan::kOrderIndex : RunSearchPlan::kScan;
}

}  // namespace

// Each part is asked for the rest of the page. A part that returns rows
// covered the offset, so the next part starts at 0; a part that returns
// none may have held fewer rows than the offset, so it is counted and the
// offset carried on reduced by its size.
Result<std::vector<std::string>> SearchRunIds(SqlConnection& conn, const RunSearch& search) {
  RunSearch compiled = search;
  ASSIGN_OR_RETURN(compiled.plan, ChoosePlan(conn, search));
  ASSIGN_OR_RETURN(RunSearchSql sql, BuildRunSearchSql(compiled));
  std::vector<std::string> ids;
  int64_t offset = search.offset;
  for (SqlQuery& part : sql.parts) {
    int64_t want = search.limit - static_cast<int64_t>(ids.size());
    if (want <= 0) break;
    size_t before = ids.size();
    SqlParams params = part.params;
    params.push_back(want);
    params.push_back(offset);
    RETURN_IF_ERROR(conn.Query(part.sql + " LIMIT ? OFFSET ?", params, [&](const Row& row) {
      ids.push_back(row.GetText(0));
      return Status::Ok();
    }));
    if (ids.size() > before || offset == 0) {
      offset = 0;
      continue;
    }
    ASSIGN_OR_RETURN(int64_t size,
                     store::QueryInt(conn, "SELECT COUNT(*) FROM (" + part.sql + ") c",
                                     part.params));
    offset -= std::min(offset, size);
  }
  return ids;
}

}  // namespace ferry::tracking
