#include "pipelines/steps/train_xgboost.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "pipelines/steps/step_metrics.h"
#include "pipelines/steps/training_data.h"
#include "pipelines/steps/xgboost_package.h"

namespace ferry::pipelines::steps {
namespace {

using Json = nlohmann::json;

// XGBoost's last error, without the stack trace it may append.
std::string XgbMessage() {
  std::string msg = XGBGetLastError();
  size_t cut = msg.find("\nStack trace");
  if (cut != std::string::npos) msg.resize(cut);
  return msg;
}

Status XgbError(const std::string& what) {
  return Internal("xgboost: " + what + ": " + XgbMessage());
}

struct DMatrixDeleter {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
struct BoosterDeleter {
  void operator()(void* h) const { XGBoosterFree(h); }
};
using DMatrix = std::unique_ptr<void, DMatrixDeleter>;
using Booster = std::unique_ptr<void, BoosterDeleter>;

std::vector<const char*> Pointers(const std::vector<std::string>& names) {
  std::vector<const char*> out;
  for (const std::string& n : names) out.push_back(n.c_str());
  return out;
}

Result<DMatrix> MakeDMatrix(const FeatureMatrix& m, int nthread) {
  DMatrixHandle h = nullptr;
  if (XGDMatrixCreateFromMat_omp(m.values.data(), static_cast<bst_ulong>(m.rows),
                                 static_cast<bst_ulong>(m.features.size()),
                                 std::numeric_limits<float>::quiet_NaN(), &h,
                                 nthread) != 0) {
    return XgbError("building the data matrix");
  }
  DMatrix matrix(h);
  if (XGDMatrixSetFloatInfo(h, "label", m.labels.data(),
                            static_cast<bst_ulong>(m.rows)) != 0) {
    return XgbError("setting labels");
  }
  std::vector<const char*> names = Pointers(m.features);
  if (XGDMatrixSetStrFeatureInfo(h, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("setting feature names");
  }
  return matrix;
}

// Feature names travel in the model file, so XGBoost's Python package
// checks a DataFrame's columns against them.
Status SetFeatureNames(BoosterHandle b, const std::vector<std::string>& features) {
  std::vector<const char*> names = Pointers(features);
  if (XGBoosterSetStrFeatureInfo(b, "feature_name", names.data(), names.size()) != 0) {
    return XgbError("setting feature names");
  }
  return Status::Ok();
}

Status Configure(BoosterHandle b, const TrainXgboostOptions& o) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"objective", o.objective}, {"seed", std::to_string(o.seed)}};
  if (o.num_class > 0) params.emplace_back("num_class", std::to_string(o.num_class));
  if (o.nthread > 0) params.emplace_back("nthread", std::to_string(o.nthread));
  params.insert(params.end(), o.params.begin(), o.params.end());
  for (const auto& [key, value] : params) {
    if (XGBoosterSetParam(b, key.c_str(), value.c_str()) != 0) {
      return InvalidArgument("with.params." + key +
                             ": XGBoost rejected it: " + XgbMessage());
    }
  }
  return Status::Ok();
}

// The last metric XGBoost reports on the validation set after a round.
struct Score {
  std::string metric;
  double value = 0;
};

Result<Score> EvalValid(BoosterHandle b, int round, DMatrixHandle valid) {
  DMatrixHandle sets[] = {valid};
  const char* names[] = {"valid"};
  const char* text = nullptr;
  if (XGBoosterEvalOneIter(b, round, sets, names, 1, &text) != 0)
    return XgbError("evaluating");
  std::string_view s(text);  // "[3]\tvalid-logloss:0.31\tvalid-auc:0.92"
  size_t tab = s.rfind('\t');
  std::string_view token =
      tab == std::string_view::npos ? std::string_view() : s.substr(tab + 1);
  size_t colon = token.rfind(':');
  if (!token.starts_with("valid-") || colon == std::string_view::npos) {
    return Internal("xgboost: unexpected evaluation output: " + std::string(s));
  }
  return Score{std::string(token.substr(6, colon - 6)),
               std::strtod(std::string(token.substr(colon + 1)).c_str(), nullptr)};
}

// As XGBoost's Python EarlyStopping: these metrics improve upwards.
bool Maximize(const std::string& metric) {
  if (metric == "mape") return false;
  for (const char* prefix : {"auc", "aucpr", "map", "ndcg", "pre"}) {
    if (metric.starts_with(prefix)) return true;
  }
  return false;
}

struct Progress {
  int rounds = 0;
  int best = 0;
};

// Boosts up to num_boost_round rounds; with early stopping, stops after
// early_stopping_rounds rounds without a strict improvement.
Result<Progress> Boost(BoosterHandle b, DMatrixHandle train, DMatrixHandle valid,
                       const TrainXgboostOptions& o) {
  Progress p;
  std::optional<double> best;
  for (int i = 0; i < o.num_boost_round; ++i) {
    if (XGBoosterUpdateOneIter(b, i, train) != 0) {
      if (i == 0)
        return InvalidArgument("with.params: XGBoost cannot train with them: " +
                               XgbMessage());
      return XgbError("boosting round " + std::to_string(i));
    }
    p.rounds = i + 1;
    if (o.early_stopping_rounds == 0 || valid == nullptr) {
      p.best = i;
      continue;
    }
    ASSIGN_OR_RETURN(Score s, EvalValid(b, i, valid));
    bool better = !best || (Maximize(s.metric) ? s.value > *best : s.value < *best);
    if (better) {
      best = s.value;
      p.best = i;
    } else if (i - p.best >= o.early_stopping_rounds) {
      break;
    }
  }
  return p;
}

// The booster's rounds 0..best (all of them when best is the last).
Result<Booster> KeepBest(Booster booster, const Progress& p,
                         const std::vector<std::string>& features) {
  if (p.best + 1 >= p.rounds) return booster;
  BoosterHandle sliced = nullptr;
  if (XGBoosterSlice(booster.get(), 0, p.best + 1, 1, &sliced) != 0)
    return XgbError("keeping the best rounds");
  Booster out(sliced);
  RETURN_IF_ERROR(SetFeatureNames(sliced, features));
  return out;
}

Result<std::vector<double>> Predict(BoosterHandle b, DMatrixHandle d) {
  bst_ulong len = 0;
  const float* out = nullptr;
  if (XGBoosterPredict(b, d, 0, 0, 0, &len, &out) != 0) return XgbError("predicting");
  return std::vector<double>(out, out + len);
}

monitoring::PerformanceOptions ScoringOptions(const std::string& objective) {
  monitoring::PerformanceOptions po;
  if (objective == "binary:logistic") {
    po.task = monitoring::Task::kBinary;
    po.output = monitoring::OutputKind::kProbability;
  } else if (objective == "multi:softprob") {
    po.task = monitoring::Task::kMulticlass;
    po.output = monitoring::OutputKind::kClassProbabilities;
  } else {
    po.task = monitoring::Task::kRegression;
    po.output = monitoring::OutputKind::kValue;
  }
  return po;
}

Status AddMetrics(BoosterHandle b, DMatrixHandle d, const FeatureMatrix& m,
                  const std::string& objective, const std::string& prefix,
                  std::map<std::string, double>* metrics) {
  ASSIGN_OR_RETURN(std::vector<double> predictions, Predict(b, d));
  size_t per_row = predictions.size() / static_cast<size_t>(m.rows);
  auto rows = MakeOutcomes(predictions, per_row, m.labels);
  ASSIGN_OR_RETURN(monitoring::PerformanceMetrics perf,
                   ComputePerformance(rows, ScoringOptions(objective)));
  metrics->merge(ReportedMetrics(perf, prefix));
  return Status::Ok();
}

Json ParamsJson(const TrainXgboostOptions& o, const std::vector<std::string>& features) {
  Json j = {{"data", o.data},
            {"label", o.label},
            {"features", features},
            {"objective", o.objective},
            {"num_boost_round", o.num_boost_round},
            {"seed", o.seed},
            {"nthread", o.nthread}};
  if (o.validation_data.empty()) {
    j["validation_fraction"] = o.validation_fraction;
  } else {
    j["validation_data"] = o.validation_data;
  }
  if (o.num_class > 0) j["num_class"] = o.num_class;
  if (o.early_stopping_rounds > 0) j["early_stopping_rounds"] = o.early_stopping_rounds;
  Json params = Json::object();
  for (const auto& [key, value] : o.params) {
    if (!params.contains(key)) {
      params[key] = value;
    } else {
      if (!params[key].is_array()) params[key] = Json::array({params[key]});
      params[key].push_back(value);
    }
  }
  j["params"] = params;
  return j;
}

Result<std::string> ModelJson(BoosterHandle b) {
  bst_ulong len = 0;
  const char* data = nullptr;
  if (XGBoosterSaveModelToBuffer(b, R"({"format": "json"})", &len, &data) != 0) {
    return XgbError("saving the model");
  }
  return std::string(data, len);
}

struct Trained {
  Booster booster;
  Progress progress;
};

Result<Trained> Fit(const TrainingData& d, DMatrixHandle train, DMatrixHandle valid,
                    const TrainXgboostOptions& o) {
  DMatrixHandle cache[] = {train, valid};
  BoosterHandle b = nullptr;
  if (XGBoosterCreate(cache, valid ? 2 : 1, &b) != 0)
    return XgbError("creating a booster");
  Booster booster(b);
  RETURN_IF_ERROR(Configure(b, o));
  RETURN_IF_ERROR(SetFeatureNames(b, d.train.features));
  ASSIGN_OR_RETURN(Progress p, Boost(b, train, valid, o));
  ASSIGN_OR_RETURN(booster, KeepBest(std::move(booster), p, d.train.features));
  return Trained{std::move(booster), p};
}

}  // namespace

Result<TrainResult> TrainXgboost(const TrainXgboostOptions& o) {
  RETURN_IF_ERROR(CheckPackageFolder(o.output));
  ASSIGN_OR_RETURN(TrainingData d, LoadTrainingData(o));
  ASSIGN_OR_RETURN(DMatrix train, MakeDMatrix(d.train, o.nthread));
  DMatrix valid;
  if (d.valid.rows > 0) {
    ASSIGN_OR_RETURN(valid, MakeDMatrix(d.valid, o.nthread));
  }
  ASSIGN_OR_RETURN(Trained t, Fit(d, train.get(), valid.get(), o));
  TrainResult r;
  RETURN_IF_ERROR(AddMetrics(t.booster.get(), train.get(), d.train, o.objective, "train_",
                             &r.metrics));
  if (valid) {
    RETURN_IF_ERROR(AddMetrics(t.booster.get(), valid.get(), d.valid, o.objective,
                               "valid_", &r.metrics));
  }
  r.output = o.output;
  r.features = d.train.features;
  r.params = ParamsJson(o, r.features);
  r.rounds = t.progress.rounds;
  r.best_iteration = t.progress.best;
  r.train_rows = d.train.rows;
  r.valid_rows = d.valid.rows;
  XgboostPackage package{"",      r.features,       o.objective,     o.num_class,
                         o.label, r.best_iteration, Json(r.metrics), r.params};
  ASSIGN_OR_RETURN(package.model_json, ModelJson(t.booster.get()));
  ASSIGN_OR_RETURN(r.model_uuid, WriteXgboostPackage(o.output, package));
  return r;
}

}  // namespace ferry::pipelines::steps
