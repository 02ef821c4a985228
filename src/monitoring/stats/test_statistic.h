// TestStatistic: what one two-sample test says about one column.
#pragma once

namespace ferry::monitoring {

struct TestStatistic {
  double statistic = 0;  // the test's own statistic (D for KS, A2 for AD, T for CvM)
  double p_value = 0;    // two-sided p-value; Anderson-Darling: its significance level
};

}  // namespace ferry::monitoring
