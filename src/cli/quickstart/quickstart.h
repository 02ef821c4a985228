// `ferry quickstart`: the whole loop on this machine, narrated. It starts a
// `ferry server` (SQLite, local files) in <dir>/data, generates a credit-
// default dataset, and then, through the server's API only:
//   1. registers the training data as dataset `credit` v1;
//   2. runs the `credit-train` pipeline: validate, a 3-trial XGBoost sweep as
//      nested runs, register, evaluate on held-out data, promote through the
//      gate, deploy as the primary of `credit-api`;
//   3. sets the champion's reference data and the alert rules, sends calm
//      live traffic and its labels (drift: none; performance: AUC);
//   4. shifts the world (incomes fall, utilization rises, the default rule
//      changes), registers the recent labelled data as dataset v2, and sends
//      shifted traffic: the drift alert fires and starts `credit-retrain`,
//      which trains a challenger, evaluates champion and challenger on the
//      same fresh labelled data, shadows and canaries it, and promotes it
//      only if the gate says it is better;
//   5. prints a summary with the API links of everything it made.
// `--worse-challenger` makes the retrain deliberately weak: the gate must
// refuse it and the champion stays. The server keeps running afterwards
// (Ctrl-C stops it) unless `--exit`.
#pragma once

#include <CLI/CLI.hpp>

namespace ferry::cli {

void AddQuickstartCommand(CLI::App& app, int& exit_code);

}  // namespace ferry::cli
