#include "pipelines/steps/training_data.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/text.h"

namespace ferry::pipelines::steps {
namespace {

template <typename T>
Result<T> InField(std::string_view field, Result<T> r) {
  if (r.ok()) return r;
  return Status(r.status().code(),
                "with." + std::string(field) + ": " + r.status().message());
}

std::function<std::string(double)> LabelCheck(const TrainXgboostOptions& o) {
  if (o.objective == "binary:logistic") {
    return [](double y) -> std::string {
      return y == 0 || y == 1 ? "" : "binary:logistic takes labels 0 and 1";
    };
  }
  if (o.objective == "multi:softprob") {
    int k = o.num_class;
    return [k](double y) -> std::string {
      if (y >= 0 && y < k && y == std::floor(y)) return "";
      return "multi:softprob with num_class " + std::to_string(k) +
             " takes labels 0 to " + std::to_string(k - 1);
    };
  }
  return nullptr;
}

// The label and the features named must be columns of the training data.
Status CheckColumns(const TrainXgboostOptions& o) {
  ASSIGN_OR_RETURN(std::vector<std::string> header,
                   InField("data", ReadCsvHeader(o.data)));
  auto missing = [&](const std::string& name) {
    return std::find(header.begin(), header.end(), name) == header.end();
  };
  if (missing(o.label)) {
    return InvalidArgument("with.label: there is no column " + QuotedForMessage(o.label) +
                           " in " + o.data);
  }
  for (const std::string& f : o.features) {
    if (missing(f)) {
      return InvalidArgument("with.features: there is no column " + QuotedForMessage(f) +
                             " in " + o.data);
    }
  }
  return Status::Ok();
}

// XGBoost's Python package refuses these in feature names, so a package
// with them would not load through pyfunc.
Status CheckFeatureNames(const TrainXgboostOptions& o,
                         const std::vector<std::string>& features) {
  for (const std::string& f : features) {
    if (IsValidUtf8(f) && f.find_first_of("[]<") == std::string::npos) continue;
    return InvalidArgument(
        std::string(o.features.empty() ? "with.data" : "with.features") + ": column " +
        QuotedForMessage(f) +
        ": XGBoost feature names must be UTF-8 without '[', ']' or '<'");
  }
  return Status::Ok();
}

FeatureMatrix Subset(const FeatureMatrix& all, const std::vector<int64_t>& rows) {
  FeatureMatrix out;
  out.features = all.features;
  out.rows = static_cast<int64_t>(rows.size());
  out.values = all.Rows(rows);
  out.labels = all.Labels(rows);
  return out;
}

Result<TrainingData> Split(FeatureMatrix all, const TrainXgboostOptions& o) {
  TrainingData d;
  if (o.validation_fraction <= 0) {
    d.valid.features = all.features;
    d.train = std::move(all);
    return d;
  }
  int64_t valid_rows = std::max<int64_t>(
      1, std::llround(static_cast<double>(all.rows) * o.validation_fraction));
  if (valid_rows >= all.rows) {
    return InvalidArgument("with.validation_fraction: leaves no training rows (" +
                           o.data + " has " + std::to_string(all.rows) + " rows)");
  }
  std::vector<int64_t> train, valid;
  SplitRows(all.rows, valid_rows, o.seed, &train, &valid);
  d.valid = Subset(all, valid);
  d.train = Subset(all, train);
  return d;
}

}  // namespace

void SplitRows(int64_t rows, int64_t valid_rows, int64_t seed,
               std::vector<int64_t>* train, std::vector<int64_t>* valid) {
  std::vector<int64_t> order(static_cast<size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  for (size_t i = order.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng() % i);
    std::swap(order[i - 1], order[j]);
  }
  valid->assign(order.begin(), order.begin() + valid_rows);
  train->assign(order.begin() + valid_rows, order.end());
  std::sort(valid->begin(), valid->end());
  std::sort(train->begin(), train->end());
}

Result<TrainingData> LoadTrainingData(const TrainXgboostOptions& o) {
  RETURN_IF_ERROR(CheckColumns(o));
  MatrixRequest request{o.data, o.label, o.features, LabelCheck(o)};
  ASSIGN_OR_RETURN(FeatureMatrix all, InField("data", ReadFeatureMatrix(request)));
  RETURN_IF_ERROR(CheckFeatureNames(o, all.features));
  if (o.validation_data.empty()) return Split(std::move(all), o);
  request.path = o.validation_data;
  request.features = all.features;
  TrainingData d;
  ASSIGN_OR_RETURN(d.valid, InField("validation_data", ReadFeatureMatrix(request)));
  d.train = std::move(all);
  return d;
}

}  // namespace ferry::pipelines::steps
