// A synthetic credit-default data set for `ferry quickstart`: loan applicants
// with realistic, correlated features and a default label drawn from a noisy
// logistic model of them, so that XGBoost reaches a ROC AUC of about 0.85.
//
// A CreditScenario describes one period of the world. Shifting income and
// utilization moves the feature distributions (data drift, PSI well above 0.2);
// concept_shift changes the rule that turns features into defaults (concept
// drift), so a model trained on the calm rule loses AUC until it is retrained.
//
// Output is portable: the same seed and scenario give byte-identical CSV files
// on every platform (std::mt19937_64 with our own transforms; values are
// rounded to what the CSV prints). All functions are thread-safe: they share no
// state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::quickstart {

// How the world looks in one period.
struct CreditScenario {
  double income_shift = 0;       // multiplies median income by exp(income_shift)
  double utilization_shift = 0;  // added to credit utilization (clamped to [0, 1.5])
  double young_share = 0.3;      // share of applicants under 30
  double concept_shift = 0;      // 0: the label rule as trained; 1: the changed rule
};

// One applicant. Counts (age, credit_lines, late_payments, months_employed) are
// whole numbers; money is in whole dollars; ratios have 4 decimals.
struct CreditRow {
  double age, income, debt_ratio, utilization, credit_lines, late_payments,
      months_employed, loan_amount;
  int default_label;  // 1: the applicant defaulted
};

// The 8 feature names, in column order (the label column is "default").
extern const std::vector<std::string> kCreditFeatures;

// `rows` applicants drawn from scenario `s`; deterministic in (rows, seed, s).
std::vector<CreditRow> GenerateCredit(size_t rows, uint64_t seed,
                                      const CreditScenario& s);

// Writes a header row and one line per row; with_label appends the "default"
// column. Fails with kInvalidArgument when the file cannot be opened and
// kInternal when a write fails.
Status WriteCreditCsv(const std::string& path, const std::vector<CreditRow>& rows,
                      bool with_label);

}  // namespace ferry::quickstart
