// The files `ferry quickstart` writes into its workspace: the training and
// retraining pipelines, the gate policy and the alert rules. Kept as text so
// that what the quickstart runs is what a user would write (and can read in
// the workspace afterwards).
#pragma once

#include <string>

namespace ferry::quickstart {

// validate → a 3-trial sweep (nested runs) → register → evaluate on held-out
// labelled data (fresh_* metrics on the version's run) → promote (gated) →
// deploy as the primary of credit-api (following credit@champion).
inline std::string TrainPipeline() {
  return R"(name: credit-train
description: Train the first credit-default model, gate it and serve it.
params:
  data: data/credit-train-v1.csv
  holdout: data/credit-holdout-v1.csv
steps:
  - name: validate
    uses: validate
    with:
      data: ${params.data}
      expectations:
        columns:
          default: {not_null: true, allowed: ["0", "1"]}
          income: {not_null: true, min: 0}
          utilization: {min: 0, max: 1.5}
          age: {min: 18, max: 100}
  - name: train
    needs: [validate]
    uses: train-xgboost
    with:
      data: ${params.data}
      label: default
      dataset: credit
      num_boost_round: 80
      select: valid_auc
      sweep:
        - {params: {max_depth: 2, eta: 0.3}}
        - {params: {max_depth: 4, eta: 0.1}}
        - {params: {max_depth: 6, eta: 0.05, subsample: 0.8}}
    outputs: {model: model, run: run.json}
  - name: register
    needs: [train]
    uses: register
    with: {model: credit, run: "${steps.train.outputs.run}"}
    outputs: {version: version.json}
  - name: evaluate
    needs: [register]
    uses: evaluate
    with: {model: "${steps.register.outputs.version}", data: "${params.holdout}", label: default, prefix: fresh_}
  - name: promote
    needs: [evaluate]
    uses: promote
    with: {model: credit, version: "${steps.register.outputs.version}", alias: champion}
  - name: deploy
    needs: [promote]
    uses: deploy
    with: {deployment: credit-api, ref: credit@champion, role: primary}
)";
}

// Started by the drift alert: train a challenger on the recent labelled data,
// register it, evaluate champion and challenger on the same fresh labelled
// data, shadow it, canary it, and promote it only if the gate says it beats
// the champion. `worse` trains a deliberately weak challenger (as if a
// feature-pipeline bug left it two weak columns) to show that the gate holds.
inline std::string RetrainPipeline(bool worse) {
  std::string train = worse ? "      num_boost_round: 20\n      features: [age, months_employed]\n"
                            : "      num_boost_round: 80\n      select: valid_auc\n      sweep:\n"
                              "        - {params: {max_depth: 3, eta: 0.2}}\n"
                              "        - {params: {max_depth: 5, eta: 0.1}}\n";
  return R"(name: credit-retrain
description: Retrain on recent labelled data when drift fires; promote only a better model.
params:
  data: data/credit-train-v2.csv
  fresh: data/credit-fresh-v2.csv
concurrency: skip
steps:
  - name: validate
    uses: validate
    with:
      data: ${params.data}
      expectations:
        columns:
          default: {not_null: true, allowed: ["0", "1"]}
  - name: train
    needs: [validate]
    uses: train-xgboost
    with:
      data: ${params.data}
      label: default
      dataset: credit
)" + train + R"(    outputs: {model: model, run: run.json}
  - name: register
    needs: [train]
    uses: register
    with: {model: credit, run: "${steps.train.outputs.run}"}
    outputs: {version: version.json}
  - name: evaluate-challenger
    needs: [register]
    uses: evaluate
    with: {model: "${steps.register.outputs.version}", data: "${params.fresh}", label: default, prefix: fresh_}
  - name: evaluate-champion
    needs: [register]
    uses: evaluate
    with: {model: credit@champion, data: "${params.fresh}", label: default, prefix: fresh_}
  - name: shadow
    needs: [evaluate-challenger, evaluate-champion]
    uses: deploy
    with: {deployment: credit-api, model: credit, version: "${steps.register.outputs.version}", role: shadow}
  - name: canary
    needs: [shadow]
    uses: deploy
    with: {deployment: credit-api, model: credit, version: "${steps.register.outputs.version}", role: canary, percent: 20}
  - name: promote
    needs: [canary]
    uses: promote
    with: {model: credit, version: "${steps.register.outputs.version}", alias: champion}
)";
}

// The challenger must beat the champion on the same fresh labelled data.
inline std::string GatePolicy() {
  return "compare:\n  - metric: fresh_auc\n    direction: higher\n    min_delta: 0.005\n"
         "thresholds:\n  - metric: fresh_auc\n    op: \">=\"\n    value: 0.6\n";
}

inline std::string AlertRules() {
  return R"(rules:
  - name: credit-income-drift
    deployment: credit-api
    expr: psi(feature=income) > 0.2
    min_rows: 200
    severity: critical
    pipeline: credit-retrain
  - name: credit-auc
    deployment: credit-api
    expr: auc < 0.8
    min_rows: 200
    severity: warning
)";
}

}  // namespace ferry::quickstart
