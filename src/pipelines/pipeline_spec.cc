// The pipeline file (pipeline_spec.h): the spec's fields, steps and triggers
// read into a PipelineSpec, then the checks that need the whole file (names,
// needs, cycles, step-output references, inputs). The YAML reading layer is
// pipeline_yaml.cc; the ${...} checks and Substitute are substitution.cc.
#include "pipelines/pipeline_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <utility>

#include "pipelines/dag.h"
#include "pipelines/pipeline_spec_internal.h"

namespace ferry::pipelines {

namespace {

using Json = nlohmann::json;
using spec_internal::CheckKeys;
using spec_internal::Describe;
using spec_internal::Entries;
using spec_internal::Field;
using spec_internal::Find;
using spec_internal::IsName;
using spec_internal::kDayMs;
using spec_internal::NameList;
using spec_internal::Reader;
using spec_internal::Shown;
using spec_internal::StepReference;

constexpr size_t kMaxSteps = 1000;
constexpr size_t kMaxValueBytes = 64 << 10;
constexpr size_t kMaxDescriptionBytes = 4096;

bool IsEnvName(std::string_view s) {
  return IsName(s, 64, false) && s.find('-') == s.npos && (s[0] < '0' || s[0] > '9');
}

// ---- triggers and resources ----------------------------------------------

constexpr std::array<std::string_view, 14> kRegistryActions = {
    "create_model",   "update_model",   "rename_model",   "delete_model",
    "create_version", "update_version", "delete_version", "transition_stage",
    "set_alias",      "delete_alias",   "set_tag",        "delete_tag",
    "set_gate",       "gate_decision"};

// A model or dataset name as the registry takes it: no '/', '@' or control characters.
Result<std::string> ModelName(Reader& r, const Field& f) {
  ASSIGN_OR_RETURN(std::string s, r.Text(f, 256));
  bool ok = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '/' || c == '@';
  });
  if (!ok) return r.Bad(f, "must be 1-256 bytes without '/', '@' or control characters");
  return s;
}

Result<TriggerEvent> ReadEvent(Reader& r, const Field& f) {
  constexpr std::string_view kForms =
      "must be one of alert: RULE, dataset: NAME, registry: {model: NAME, action: "
      "ACTION}";
  if (!f.node.IsMap() || f.node.size() != 1) return r.Bad(f, std::string(kForms));
  ASSIGN_OR_RETURN(Entries e, r.Map(f));
  auto& [kind, value] = e.front();
  TriggerEvent event{kind, "", ""};
  if (kind == "alert") {
    ASSIGN_OR_RETURN(event.name, r.Name(value, 128, true));
  } else if (kind == "dataset" || (kind == "registry" && !value.node.IsMap())) {
    ASSIGN_OR_RETURN(event.name, ModelName(r, value));
  } else if (kind == "registry") {
    ASSIGN_OR_RETURN(Entries m, r.Map(value));
    RETURN_IF_ERROR(CheckKeys(r, m, value.Where() + ": ",
                              std::array<std::string_view, 2>{"model", "action"}));
    const Field* model = Find(m, "model");
    if (model == nullptr) return r.Bad(value, "needs 'model'");
    ASSIGN_OR_RETURN(event.name, ModelName(r, *model));
    if (const Field* action = Find(m, "action")) {
      ASSIGN_OR_RETURN(event.action, r.Text(*action, 64));
      if (std::find(kRegistryActions.begin(), kRegistryActions.end(), event.action) ==
          kRegistryActions.end()) {
        return r.Bad(*action, "must be a registry action (" + NameList(kRegistryActions) +
                                  "), got " + Shown(event.action));
      }
    }
  } else {
    return r.Bad(value.line, f.Where() + " unknown event " + Shown(kind) +
                                 " (alert, dataset, registry)");
  }
  return event;
}

Status ReadTriggers(Reader& r, const Field& f, PipelineSpec* spec) {
  ASSIGN_OR_RETURN(Entries e, r.Map(f));
  RETURN_IF_ERROR(
      CheckKeys(r, e, "'triggers': ", std::array<std::string_view, 2>{"schedule", "on"}));
  if (const Field* s = Find(e, "schedule")) {
    ASSIGN_OR_RETURN(spec->schedule, r.Text(*s, 256));
    Status cron =
        r.context().check_cron ? r.context().check_cron(spec->schedule) : Status::Ok();
    if (!cron.ok()) return r.Bad(*s, "is not a valid cron expression: " + cron.message());
  }
  if (const Field* on = Find(e, "on")) {
    ASSIGN_OR_RETURN(std::vector<Field> items, r.List(*on));
    for (const Field& item : items) {
      ASSIGN_OR_RETURN(TriggerEvent event, ReadEvent(r, item));
      spec->on.push_back(std::move(event));
    }
  }
  return Status::Ok();
}

Status ReadResources(Reader& r, const Field& f, Resources* out) {
  ASSIGN_OR_RETURN(Entries e, r.Map(f));
  RETURN_IF_ERROR(CheckKeys(r, e, f.Where() + ": ",
                            std::array<std::string_view, 3>{"cpu", "memory", "gpu"}));
  for (const auto& [key, value] : e) {
    if (key == "cpu") {
      ASSIGN_OR_RETURN(out->cpu, r.Cpu(value));
    } else if (key == "memory") {
      ASSIGN_OR_RETURN(out->memory_bytes, r.Memory(value));
    } else {
      ASSIGN_OR_RETURN(int64_t gpu, r.Integer(value, 0, 64));
      out->gpu = static_cast<int>(gpu);
    }
  }
  return Status::Ok();
}

// ---- steps ----------------------------------------------------------------

// The spec being read, and what the whole-file checks need beyond it.
struct Draft {
  PipelineSpec spec;
  std::vector<std::vector<int>> need_lines, input_lines;  // per step
  std::vector<StepReference> references;
};

// The substitutions in one value of the step being read: params now, step
// outputs once all steps are known (CheckStepReferences).
Status CheckValue(const Reader& r, Draft& d, const Field& f, std::string_view text) {
  return spec_internal::CheckSubstitutions(r, f, text, d.spec.params, d.spec.steps.size(),
                                           &d.references);
}

bool IsKey(std::string_view s) { return IsName(s, 64, false); }

using ValueCheck = std::function<Status(const Field&, const std::string&)>;

// A map of names to scalars, each value passed to `check`.
Result<std::map<std::string, std::string>> StringMap(
    Reader& r, const Field& f, const ValueCheck& check,
    bool (*is_key)(std::string_view) = IsKey) {
  ASSIGN_OR_RETURN(Entries entries, r.Map(f));
  std::map<std::string, std::string> out;
  for (auto& [key, value] : entries) {
    if (!is_key(key)) {
      return r.Bad(value.line, f.Where() + " key " + Shown(key) + " must be 1-64 of " +
                                   (is_key == IsKey ? "[A-Za-z0-9_-]"
                                                    : "[A-Za-z0-9_], not a digit first"));
    }
    if (value.node.IsNull()) {
      return r.Bad(value, "has no value (write \"\" for an empty string)");
    }
    ASSIGN_OR_RETURN(std::string text, r.Text(value, kMaxValueBytes));
    RETURN_IF_ERROR(check(value, text));
    out.emplace(key, std::move(text));
  }
  return out;
}

// A plain (unquoted) YAML scalar as JSON: true/false, an integer, a number,
// or text; a quoted one is always text.
nlohmann::json ScalarJson(const Field& f, const std::string& text) {
  if (f.node.Tag() == "!") return text;
  if (text == "true" || text == "false") return text == "true";
  int64_t i = 0;
  auto [iend, iec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (iec == std::errc() && iend == text.data() + text.size()) return i;
  double d = 0;
  auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (dec == std::errc() && dend == text.data() + text.size() && std::isfinite(d)) return d;
  return text;
}

// A `with` value that is a map or a list, as JSON (built-in steps take
// structured arguments: a param grid, booster params). `budget` is what the
// JSON may still take, in bytes, counted as it is built (each node at least
// 2), so aliases that repeat empty lists cannot build a huge value.
Result<nlohmann::json> NestedJson(Reader& r, const Field& f, int64_t& budget) {
  if ((budget -= 2) < 0) return r.Bad(f, "is longer than " + std::to_string(kMaxValueBytes) + " bytes as JSON");
  if (f.node.IsMap()) {
    ASSIGN_OR_RETURN(Entries entries, r.Map(f));
    nlohmann::json out = nlohmann::json::object();
    for (auto& [key, value] : entries) {
      budget -= static_cast<int64_t>(key.size()) + 4;
      ASSIGN_OR_RETURN(out[key], NestedJson(r, value, budget));
    }
    return out;
  }
  if (f.node.IsSequence()) {
    ASSIGN_OR_RETURN(std::vector<Field> items, r.List(f));
    nlohmann::json out = nlohmann::json::array();
    for (const Field& item : items) {
      ASSIGN_OR_RETURN(nlohmann::json v, NestedJson(r, item, budget));
      out.push_back(std::move(v));
    }
    return out;
  }
  if (f.node.IsNull()) return nlohmann::json(nullptr);
  ASSIGN_OR_RETURN(std::string text, r.Text(f, kMaxValueBytes));
  if ((budget -= static_cast<int64_t>(text.size())) < 0) {
    return r.Bad(f, "is longer than " + std::to_string(kMaxValueBytes) + " bytes as JSON");
  }
  return ScalarJson(f, text);
}

// `with`: scalars as written; a map or list as its JSON text.
Result<std::map<std::string, std::string>> WithMap(Reader& r, const Field& f, const ValueCheck& check) {
  ASSIGN_OR_RETURN(Entries entries, r.Map(f));
  std::map<std::string, std::string> out;
  for (auto& [key, value] : entries) {
    if (!IsKey(key)) return r.Bad(value.line, f.Where() + " key " + Shown(key) + " must be 1-64 of [A-Za-z0-9_-]");
    if (value.node.IsNull()) return r.Bad(value, "has no value (write \"\" for an empty string)");
    std::string text;
    if (value.node.IsScalar()) {
      ASSIGN_OR_RETURN(text, r.Text(value, kMaxValueBytes));
    } else {
      int64_t budget = kMaxValueBytes;
      ASSIGN_OR_RETURN(nlohmann::json j, NestedJson(r, value, budget));
      text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (text.size() > kMaxValueBytes) return r.Bad(value, "is longer than " + std::to_string(kMaxValueBytes) + " bytes as JSON");
    }
    RETURN_IF_ERROR(check(value, text));
    out.emplace(key, std::move(text));
  }
  return out;
}

Status AnyValue(const Field&, const std::string&) { return Status::Ok(); }

Status ReadRun(Reader& r, Draft& d, const Field& f, StepSpec* s) {
  if (!f.node.IsSequence()) {
    ASSIGN_OR_RETURN(s->shell, r.Text(f, kMaxValueBytes));
    if (s->shell.find_first_not_of(" \t\r\n") == std::string::npos) {
      return r.Bad(f, "is empty");
    }
    return CheckValue(r, d, f, s->shell);
  }
  ASSIGN_OR_RETURN(std::vector<Field> items, r.List(f));
  if (items.empty()) return r.Bad(f, "is an empty list");
  for (const Field& item : items) {
    ASSIGN_OR_RETURN(std::string arg, r.Text(item, kMaxValueBytes));
    RETURN_IF_ERROR(CheckValue(r, d, item, arg));
    s->argv.push_back(std::move(arg));
  }
  return Status::Ok();
}

// `needs: a` or `needs: [a, b]`.
Status ReadNeeds(Reader& r, Draft& d, const Field& f, StepSpec* s) {
  std::vector<Field> items = {f};
  if (!f.node.IsScalar()) {
    ASSIGN_OR_RETURN(items, r.List(f));
  }
  for (const Field& item : items) {
    ASSIGN_OR_RETURN(std::string need, r.Name(item, 64, false));
    if (std::find(s->needs.begin(), s->needs.end(), need) != s->needs.end()) {
      return r.Bad(item, "lists " + Shown(need) + " twice");
    }
    s->needs.push_back(std::move(need));
    d.need_lines.back().push_back(item.line);
  }
  return Status::Ok();
}

Status ReadInputs(Reader& r, Draft& d, const Field& f, StepSpec* s) {
  ASSIGN_OR_RETURN(std::vector<Field> items, r.List(f));
  for (const Field& item : items) {
    ASSIGN_OR_RETURN(std::string path, r.Text(item, 4096));
    if (path.empty()) return r.Bad(item, "is empty");
    RETURN_IF_ERROR(CheckValue(r, d, item, path));
    s->inputs.push_back(std::move(path));
    d.input_lines.back().push_back(item.line);
  }
  return Status::Ok();
}

// Output paths stay inside the step's workdir: relative, no "..", no ${...}.
Status CheckOutputPath(const Reader& r, const Field& f, const std::string& path) {
  bool escapes = path.empty() || path[0] == '/' || path.find("${") != path.npos;
  for (size_t at = 0; !escapes; at = path.find('/', at) + 1) {
    size_t end = std::min(path.find('/', at), path.size());
    escapes = path.compare(at, end - at, "..") == 0;
    if (end == path.size()) break;
  }
  if (!escapes) return Status::Ok();
  return r.Bad(f,
               "must be a relative path inside the step's workdir, without '..' or "
               "${...}, got " +
                   Shown(path));
}

constexpr std::array<std::string_view, 14> kStepKeys = {
    "name",   "run", "uses",    "with",        "needs",   "inputs", "outputs",
    "params", "env", "timeout", "retry_delay", "retries", "cache",  "resources"};

Status ReadStepKey(Reader& r, Draft& d, const std::string& key, const Field& f,
                   StepSpec* s) {
  if (key == "run") return ReadRun(r, d, f, s);
  if (key == "needs") return ReadNeeds(r, d, f, s);
  if (key == "inputs") return ReadInputs(r, d, f, s);
  if (key == "resources") return ReadResources(r, f, &s->resources);
  ValueCheck template_check = [&](const Field& v, const std::string& text) {
    return CheckValue(r, d, v, text);
  };
  if (key == "uses") {
    ASSIGN_OR_RETURN(s->uses, r.Text(f, 64));
    const std::vector<std::string>& known = BuiltinSteps();
    if (std::find(known.begin(), known.end(), s->uses) == known.end()) {
      return r.Bad(
          f, "must be a built-in step (" + NameList(known) + "), got " + Shown(s->uses));
    }
  } else if (key == "outputs") {
    auto check = [&](const Field& v, const std::string& path) {
      return CheckOutputPath(r, v, path);
    };
    ASSIGN_OR_RETURN(s->outputs, StringMap(r, f, check));
  } else if (key == "with") {
    ASSIGN_OR_RETURN(s->with, WithMap(r, f, template_check));
  } else if (key == "params") {
    ASSIGN_OR_RETURN(s->params, StringMap(r, f, template_check));
  } else if (key == "env") {
    ASSIGN_OR_RETURN(s->env, StringMap(r, f, template_check, IsEnvName));
  } else if (key == "timeout") {
    ASSIGN_OR_RETURN(s->timeout_ms,
                     r.Duration(f, 1, 7 * kDayMs, "more than 0 and at most 7d"));
  } else if (key == "retry_delay") {
    ASSIGN_OR_RETURN(s->retry_delay_ms, r.Duration(f, 0, kDayMs, "at most 1d"));
  } else if (key == "retries") {
    ASSIGN_OR_RETURN(int64_t n, r.Integer(f, 0, 10));
    s->retries = static_cast<int>(n);
  } else if (key == "cache") {
    ASSIGN_OR_RETURN(s->cache, r.Bool(f));
  }
  return Status::Ok();
}

Status ReadStep(Reader& r, Draft& d, const Field& f) {
  if (!f.node.IsMap()) {
    return r.Bad(f, "must be a map with a name and run or uses, got " + Describe(f.node));
  }
  ASSIGN_OR_RETURN(Entries entries, r.Map(f));
  const Field* name = Find(entries, "name");
  if (name == nullptr) return r.Bad(f, "has no 'name'");
  StepSpec s;
  s.line = f.line;
  ASSIGN_OR_RETURN(s.name, r.Name(*name, 64, false));
  std::string prefix = "step " + Shown(s.name) + ": ";
  RETURN_IF_ERROR(CheckKeys(r, entries, prefix, kStepKeys));
  d.need_lines.emplace_back();
  d.input_lines.emplace_back();
  for (auto& [key, value] : entries) {
    value.prefix = prefix;
    value.path = key;
    RETURN_IF_ERROR(ReadStepKey(r, d, key, value, &s));
  }
  if (s.uses.empty() == (s.shell.empty() && s.argv.empty())) {
    return r.Bad(
        f.line,
        prefix + "needs exactly one of 'run' (a command) and 'uses' (a built-in step)");
  }
  if (const Field* with = Find(entries, "with"); with != nullptr && s.uses.empty()) {
    return r.Bad(
        with->line,
        prefix + "'with' is for 'uses' steps (a command takes its arguments in 'run')");
  }
  if (Find(entries, "cache") == nullptr) s.cache = !s.inputs.empty();
  d.spec.steps.push_back(std::move(s));
  return Status::Ok();
}

// ---- the file ---------------------------------------------------------------

constexpr std::array<std::string_view, 6> kTopKeys = {"name",     "description", "params",
                                                      "triggers", "concurrency", "steps"};

Status ReadTopKey(Reader& r, Draft& d, std::string_view key, const Field& f) {
  PipelineSpec& spec = d.spec;
  if (key == "name") {
    ASSIGN_OR_RETURN(spec.name, r.Name(f, 128, true));
  } else if (key == "description") {
    ASSIGN_OR_RETURN(spec.description, r.Text(f, kMaxDescriptionBytes));
  } else if (key == "params") {
    ASSIGN_OR_RETURN(spec.params, StringMap(r, f, AnyValue));
  } else if (key == "triggers") {
    return ReadTriggers(r, f, &spec);
  } else if (key == "concurrency") {
    ASSIGN_OR_RETURN(std::string text, r.Text(f, 64));
    for (Concurrency c :
         {Concurrency::kSkip, Concurrency::kQueue, Concurrency::kCancel}) {
      if (text == ConcurrencyName(c)) spec.concurrency = c;
    }
    if (text != ConcurrencyName(spec.concurrency)) {
      return r.Bad(f, "must be skip, queue or cancel, got " + Shown(text));
    }
  } else if (key == "steps") {
    if (f.node.IsSequence() && f.node.size() > kMaxSteps) {
      return r.Bad(f, "has more than 1000 steps");
    }
    ASSIGN_OR_RETURN(std::vector<Field> items, r.List(f));
    if (items.empty()) return r.Bad(f, "is empty: a pipeline needs at least one step");
    for (const Field& item : items) RETURN_IF_ERROR(ReadStep(r, d, item));
  }
  return Status::Ok();
}

Status ReadFile(Reader& r, const YAML::Node& root, Draft& d) {
  if (!root.IsMap()) {
    return r.Bad(0, "expected a map with 'name' and 'steps', got " + Describe(root));
  }
  ASSIGN_OR_RETURN(Entries entries, r.Map(Field{"", "", 0, root}));
  RETURN_IF_ERROR(CheckKeys(r, entries, "", kTopKeys));
  for (std::string_view key : kTopKeys) {  // params before the steps that use them
    const Field* f = Find(entries, key);
    if (f != nullptr) {
      RETURN_IF_ERROR(ReadTopKey(r, d, key, *f));
    } else if (key == "name" || key == "steps") {
      return r.Bad(0, "missing '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

// Names used once, needs that are steps, and no cycle.
Result<Dag> CheckNeeds(const Reader& r, const Draft& d) {
  const std::vector<StepSpec>& steps = d.spec.steps;
  std::map<std::string_view, int> lines;
  for (const StepSpec& s : steps) {
    auto [it, fresh] = lines.emplace(s.name, s.line);
    if (!fresh) {
      return r.Bad(s.line, "step " + Shown(s.name) + ": name used twice (also line " +
                               std::to_string(it->second) + ")");
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    for (size_t k = 0; k < steps[i].needs.size(); ++k) {
      if (lines.count(steps[i].needs[k]) > 0) continue;
      std::vector<std::string_view> names;
      for (const StepSpec& s : steps) names.push_back(s.name);
      return r.Bad(d.need_lines[i][k],
                   "step " + Shown(steps[i].name) + ": needs " +
                       Shown(steps[i].needs[k]) +
                       ", which is not a step (steps: " + NameList(names) + ")");
    }
  }
  Result<Dag> dag = Dag::Build(d.spec);
  if (!dag.ok()) return r.Bad(0, dag.status().message());
  return dag;
}

Status CheckInputsExist(const Reader& r, const Draft& d) {
  if (!r.context().exists) return Status::Ok();
  for (size_t i = 0; i < d.spec.steps.size(); ++i) {
    const StepSpec& s = d.spec.steps[i];
    for (size_t k = 0; k < s.inputs.size(); ++k) {
      if (s.inputs[k].find("${") != std::string::npos ||
          r.context().exists(s.inputs[k])) {
        continue;
      }
      return r.Bad(d.input_lines[i][k], "step " + Shown(s.name) + ": input " +
                                            Shown(s.inputs[k]) + " does not exist");
    }
  }
  return Status::Ok();
}

Json StepToJson(const StepSpec& s) {
  Json j = {{"name", s.name},
            {"line", s.line},
            {"needs", s.needs},
            {"inputs", s.inputs},
            {"outputs", s.outputs},
            {"params", s.params},
            {"env", s.env},
            {"timeout_ms", s.timeout_ms},
            {"retries", s.retries},
            {"retry_delay_ms", s.retry_delay_ms},
            {"cache", s.cache},
            {"resources",
             {{"cpu", s.resources.cpu},
              {"memory_bytes", s.resources.memory_bytes},
              {"gpu", s.resources.gpu}}}};
  if (!s.uses.empty()) {
    j["uses"] = s.uses;
    j["with"] = s.with;
  } else if (!s.argv.empty()) {
    j["run"] = s.argv;
  } else {
    j["run"] = s.shell;
  }
  return j;
}

}  // namespace

const std::vector<std::string>& BuiltinSteps() {
  static const auto* const kBuiltins = new std::vector<std::string>{
      "validate", "train-xgboost", "evaluate", "gate", "register", "deploy", "promote"};
  return *kBuiltins;
}

std::string_view ConcurrencyName(Concurrency concurrency) {
  switch (concurrency) {
    case Concurrency::kSkip:
      return "skip";
    case Concurrency::kQueue:
      return "queue";
    case Concurrency::kCancel:
      return "cancel";
  }
  return "?";
}

Result<PipelineSpec> ParsePipeline(std::string_view yaml, const SpecContext& context) {
  Reader r(context);
  ASSIGN_OR_RETURN(YAML::Node root, spec_internal::Load(r, yaml));
  Draft d;
  try {
    RETURN_IF_ERROR(ReadFile(r, root, d));
  } catch (const YAML::Exception& e) {  // not expected: every access is type-checked
    return r.Bad(e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
  }
  ASSIGN_OR_RETURN(Dag dag, CheckNeeds(r, d));
  RETURN_IF_ERROR(spec_internal::CheckStepReferences(r, d.spec.steps, d.references, dag));
  RETURN_IF_ERROR(CheckInputsExist(r, d));
  return std::move(d.spec);
}

nlohmann::json PipelineToJson(const PipelineSpec& spec) {
  Json on = Json::array();
  for (const TriggerEvent& e : spec.on) {
    on.push_back({{"kind", e.kind}, {"name", e.name}, {"action", e.action}});
  }
  Json steps = Json::array();
  for (const StepSpec& s : spec.steps) steps.push_back(StepToJson(s));
  return {{"name", spec.name},
          {"description", spec.description},
          {"params", spec.params},
          {"triggers", {{"schedule", spec.schedule}, {"on", std::move(on)}}},
          {"concurrency", ConcurrencyName(spec.concurrency)},
          {"steps", std::move(steps)}};
}

}  // namespace ferry::pipelines
