// TrainXgboostOptionsFromJson: the `with:` arguments of train-xgboost.
#include <algorithm>
#include <array>
#include <string_view>

#include "core/text.h"
#include "pipelines/steps/train_xgboost.h"
#include "pipelines/steps/with_args.h"

namespace ferry::pipelines::steps {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 3> kObjectives = {
    "binary:logistic", "reg:squarederror", "multi:softprob"};
// Set through their own arguments, never through params.
constexpr std::array<std::string_view, 4> kOwnArguments = {"objective", "num_class",
                                                           "nthread", "seed"};
constexpr size_t kMaxParams = 100;
constexpr size_t kMaxParamValueBytes = 4096;

bool IsParamName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
  });
}

Status BadParam(const std::string& key, const std::string& what) {
  return InvalidArgument("with.params." + key + ": " + what);
}

// One param's value(s) as XGBoost text. A list of eval_metric names sets
// several metrics, as XGBoost's Python package does; any other list or
// object goes as its JSON text.
Status AddParam(const std::string& key, const Json& value, TrainXgboostOptions* o) {
  if (!IsParamName(key)) {
    return InvalidArgument("with.params: " + QuotedForMessage(key) +
                           " is not a param name ([A-Za-z0-9_], 1-64 characters)");
  }
  if (std::find(kOwnArguments.begin(), kOwnArguments.end(), key) != kOwnArguments.end()) {
    return BadParam(key, "set it with with." + key + ", not in params");
  }
  std::vector<std::string> texts;
  if (key == "eval_metric" && value.is_array()) {
    for (const Json& item : value) {
      std::optional<std::string> text = ScalarText(item);
      if (!text) return BadParam(key, "must be a metric name or a list of them");
      texts.push_back(*text);
    }
  } else if (std::optional<std::string> text = ScalarText(value)) {
    texts.push_back(*text);
  } else if (value.is_null()) {
    return BadParam(key, "has no value");
  } else {
    texts.push_back(value.dump());
  }
  for (std::string& text : texts) {
    if (text.empty() || text.size() > kMaxParamValueBytes || !IsValidUtf8(text)) {
      return BadParam(key, "must be non-empty UTF-8 text of at most 4096 bytes");
    }
    o->params.emplace_back(key, std::move(text));
  }
  return Status::Ok();
}

Status ReadParams(const Json& with, TrainXgboostOptions* o) {
  ASSIGN_OR_RETURN(std::optional<Json> params, ObjectArg(with, "params"));
  if (!params) return Status::Ok();
  if (params->size() > kMaxParams)
    return InvalidArgument("with.params: more than 100 params");
  for (const auto& [key, value] : params->items())
    RETURN_IF_ERROR(AddParam(key, value, o));
  return Status::Ok();
}

Status ReadObjective(const Json& with, TrainXgboostOptions* o) {
  ASSIGN_OR_RETURN(std::optional<std::string> objective, TextArg(with, "objective"));
  if (objective) o->objective = *objective;
  if (std::find(kObjectives.begin(), kObjectives.end(), o->objective) ==
      kObjectives.end()) {
    return InvalidArgument(
        "with.objective: " + QuotedForMessage(o->objective) +
        " is not one of binary:logistic, reg:squarederror, multi:softprob");
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> num_class,
                   IntegerArg(with, "num_class", 2, 10000));
  if (o->objective == "multi:softprob" && !num_class) {
    return InvalidArgument("with.num_class: is required with objective multi:softprob");
  }
  if (o->objective != "multi:softprob" && num_class) {
    return InvalidArgument("with.num_class: is only for objective multi:softprob");
  }
  o->num_class = static_cast<int>(num_class.value_or(0));
  return Status::Ok();
}

Status ReadData(const Json& with, TrainXgboostOptions* o) {
  ASSIGN_OR_RETURN(o->data, RequiredTextArg(with, "data"));
  ASSIGN_OR_RETURN(o->label, RequiredTextArg(with, "label"));
  ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> features,
                   NameListArg(with, "features"));
  if (features) {
    if (std::find(features->begin(), features->end(), o->label) != features->end()) {
      return InvalidArgument("with.features: " + QuotedForMessage(o->label) +
                             " is the label (with.label), not a feature");
    }
    o->features = std::move(*features);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> validation,
                   TextArg(with, "validation_data"));
  ASSIGN_OR_RETURN(std::optional<double> fraction,
                   NumberArg(with, "validation_fraction", 0, 1, /*max_exclusive=*/true));
  if (validation && fraction) {
    return InvalidArgument(
        "with.validation_fraction: give either validation_data or validation_fraction, "
        "not both");
  }
  o->validation_data = validation.value_or("");
  o->validation_fraction = validation ? 0 : fraction.value_or(0.2);
  ASSIGN_OR_RETURN(std::optional<int64_t> seed, IntegerArg(with, "seed", 0, INT32_MAX));
  o->seed = seed.value_or(0);
  return Status::Ok();
}

Status ReadRounds(const Json& with, TrainXgboostOptions* o) {
  ASSIGN_OR_RETURN(std::optional<int64_t> rounds,
                   IntegerArg(with, "num_boost_round", 1, 100000));
  o->num_boost_round = static_cast<int>(rounds.value_or(100));
  ASSIGN_OR_RETURN(std::optional<int64_t> early,
                   IntegerArg(with, "early_stopping_rounds", 1, 100000));
  o->early_stopping_rounds = static_cast<int>(early.value_or(0));
  if (early && o->validation_data.empty() && o->validation_fraction == 0) {
    return InvalidArgument(
        "with.early_stopping_rounds: needs a validation set (validation_data, or "
        "validation_fraction above 0)");
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> nthread, IntegerArg(with, "nthread", 0, 1024));
  o->nthread = static_cast<int>(nthread.value_or(0));
  return Status::Ok();
}

}  // namespace

Result<TrainXgboostOptions> TrainXgboostOptionsFromJson(const Json& with) {
  RETURN_IF_ERROR(CheckArguments(
      with, {"data", "label", "features", "validation_data", "validation_fraction",
             "seed", "objective", "num_class", "num_boost_round", "early_stopping_rounds",
             "params", "nthread", "output"}));
  TrainXgboostOptions o;
  RETURN_IF_ERROR(ReadData(with, &o));
  RETURN_IF_ERROR(ReadObjective(with, &o));
  RETURN_IF_ERROR(ReadRounds(with, &o));
  RETURN_IF_ERROR(ReadParams(with, &o));
  ASSIGN_OR_RETURN(std::optional<std::string> output, TextArg(with, "output"));
  if (output) o.output = *output;
  return o;
}

}  // namespace ferry::pipelines::steps
