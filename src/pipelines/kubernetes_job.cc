#include "pipelines/kubernetes_job.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "core/sha256.h"
#include "core/text.h"

namespace ferry::pipelines {

namespace {

using nlohmann::json;

constexpr size_t kMaxLabel = 63;        // DNS-1123 labels, label names and values
constexpr size_t kMaxSubdomain = 253;   // DNS-1123 subdomains
constexpr size_t kNameHashDigits = 10;  // 40 bits of SHA-256 in every Job name
constexpr std::string_view kNamePrefix = "ferry-";
constexpr std::string_view kManagedBy = "app.kubernetes.io/managed-by";
constexpr std::string_view kPipelineKey = "ferry.dev/pipeline";
constexpr std::string_view kStepKey = "ferry.dev/step";
constexpr std::string_view kAttemptKey = "ferry.dev/attempt-id";
constexpr std::string_view kWorkspaceVolume = "workspace";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool IsDnsLabel(std::string_view s, size_t max = kMaxLabel) {
  if (s.empty() || s.size() > max || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back()))
    return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// DNS-1123 labels joined by dots, at most 253 characters in all.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubdomain) return false;
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    if (!IsDnsLabel(s.substr(start, dot - start), kMaxSubdomain)) return false;
    if (dot == s.npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63: label names and non-empty values.
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > kMaxLabel || !IsAlnum(s.front()) || !IsAlnum(s.back()))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlnum(c) || c == '-' || c == '_' || c == '.';
  });
}

bool IsLabelKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == key.npos) return IsLabelName(key);
  return IsDnsSubdomain(key.substr(0, slash)) && IsLabelName(key.substr(slash + 1));
}

bool IsEnvName(std::string_view s) {
  auto ok = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
           c == '_' || (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  if (s.empty() || !ok(s.front(), true)) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return ok(c, false); });
}

// Text Kubernetes can store: UTF-8 (JSON) without NUL (the container runtime's C
// strings).
Status CheckText(std::string_view text, const std::string& field) {
  if (!IsValidUtf8(text)) return InvalidArgument(field + " is not valid UTF-8");
  if (text.find('\0') != text.npos) return InvalidArgument(field + " holds a NUL byte");
  return Status::Ok();
}

Status CheckLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : labels) {
    std::string field = "KubernetesOptions.labels[" + QuotedForMessage(key) + "]";
    if (!IsLabelKey(key)) {
      return InvalidArgument(field +
                             ": not a label key ([PREFIX/]NAME: a DNS subdomain, then "
                             "[A-Za-z0-9][-A-Za-z0-9_.]* of at most 63)");
    }
    if (key == kManagedBy || key.rfind("ferry.dev/", 0) == 0) {
      return InvalidArgument(field + ": Ferry sets this label itself");
    }
    if (!value.empty() && !IsLabelName(value)) {
      return InvalidArgument(
          field + ": value " + QuotedForMessage(value) +
          " is not a label value (at most 63 of [-A-Za-z0-9_.], starting and ending "
          "with a letter or digit)");
    }
  }
  return Status::Ok();
}

std::string Hex(std::string_view text) {
  Sha256 sha;
  sha.Update(text);
  return sha.HexDigest();
}

std::string CpuQuantity(double cores) {
  auto millicores = static_cast<int64_t>(std::llround(cores * 1000));
  millicores = std::max<int64_t>(millicores, 1);  // a hint below 1m is still a hint
  if (millicores % 1000 == 0) return std::to_string(millicores / 1000);
  return std::to_string(millicores) + "m";
}

std::string MemoryQuantity(int64_t bytes) {
  static constexpr std::array<std::pair<int, std::string_view>, 4> kUnits = {
      {{40, "Ti"}, {30, "Gi"}, {20, "Mi"}, {10, "Ki"}}};
  for (const auto& [shift, unit] : kUnits) {
    int64_t size = int64_t{1} << shift;
    if (bytes % size == 0) return std::to_string(bytes / size) + std::string(unit);
  }
  return std::to_string(bytes);
}

json ResourcesJson(const Resources& hints) {
  json requests = json::object(), limits = json::object();
  if (hints.cpu > 0) requests["cpu"] = CpuQuantity(hints.cpu);
  if (hints.memory_bytes > 0) {
    requests["memory"] = MemoryQuantity(hints.memory_bytes);
    limits["memory"] = requests["memory"];
  }
  if (hints.gpu > 0) limits["nvidia.com/gpu"] = std::to_string(hints.gpu);
  json out = json::object();
  if (!requests.empty()) out["requests"] = std::move(requests);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

Status CheckLaunch(const StepLaunch& launch) {
  if (launch.id.empty()) return InvalidArgument("step launch: id is empty");
  std::string where = "step launch " + QuotedForMessage(launch.id) + ": ";
  RETURN_IF_ERROR(CheckText(launch.id, where + "id"));
  if (launch.argv.empty() || launch.argv[0].empty())
    return InvalidArgument(where + "argv is empty");
  for (size_t i = 0; i < launch.argv.size(); ++i) {
    RETURN_IF_ERROR(CheckText(launch.argv[i], where + "argv[" + std::to_string(i) + "]"));
  }
  for (const auto& [name, value] : launch.env) {
    if (!IsEnvName(name)) {
      return InvalidArgument(where + "env name " + QuotedForMessage(name) +
                             " is not valid in Kubernetes ([-._a-zA-Z][-._a-zA-Z0-9]*)");
    }
    RETURN_IF_ERROR(CheckText(value, where + "env " + QuotedForMessage(name)));
  }
  RETURN_IF_ERROR(CheckText(launch.workdir, where + "workdir"));
  if (!launch.workdir.empty() && launch.workdir.front() != '/') {
    return InvalidArgument(where + "workdir " + QuotedForMessage(launch.workdir) +
                           " is not an absolute path");
  }
  if (launch.timeout_ms <= 0)
    return InvalidArgument(where + "timeout_ms must be positive");
  return Status::Ok();
}

// The launch's env value for `name`, or "" when it has none.
std::string EnvOf(const StepLaunch& launch, const std::string& name) {
  auto it = launch.env.find(name);
  return it == launch.env.end() ? "" : it->second;
}

json Metadata(const StepLaunch& launch, const std::string& name,
              const KubernetesOptions& options) {
  json labels = json::object(), annotations = json::object();
  for (const auto& [key, value] : options.labels) labels[key] = value;
  labels[std::string(kManagedBy)] = "ferry";
  labels[std::string(kAttemptKey)] = name;
  annotations[std::string(kAttemptKey)] = launch.id;
  for (auto [key, env] :
       {std::pair{kPipelineKey, "FERRY_PIPELINE"}, {kStepKey, "FERRY_STEP"}}) {
    std::string value = EnvOf(launch, env);
    if (value.empty()) continue;
    labels[std::string(key)] = LabelValue(value);
    annotations[std::string(key)] = value;
  }
  return {{"labels", std::move(labels)}, {"annotations", std::move(annotations)}};
}

json Container(const StepLaunch& launch, const Resources& hints,
               const KubernetesOptions& options) {
  json env = json::array();
  for (const auto& [name, value] : launch.env)
    env.push_back({{"name", name}, {"value", value}});
  json container = {{"name", std::string(kStepContainer)},
                    {"image", options.image},
                    {"command", launch.argv},
                    {"resources", ResourcesJson(hints)}};
  if (!env.empty()) container["env"] = std::move(env);
  if (!launch.workdir.empty()) container["workingDir"] = launch.workdir;
  if (!options.image_pull_policy.empty())
    container["imagePullPolicy"] = options.image_pull_policy;
  if (!options.workspace_pvc.empty()) {
    container["volumeMounts"] = json::array(
        {{{"name", std::string(kWorkspaceVolume)}, {"mountPath", launch.workdir}}});
  }
  return container;
}

json PodSpec(const StepLaunch& launch, const Resources& hints,
             const KubernetesOptions& options) {
  json pod = {{"restartPolicy", "Never"},
              {"containers", json::array({Container(launch, hints, options)})}};
  if (!options.service_account.empty())
    pod["serviceAccountName"] = options.service_account;
  if (!options.workspace_pvc.empty()) {
    pod["volumes"] = json::array(
        {{{"name", std::string(kWorkspaceVolume)},
          {"persistentVolumeClaim", {{"claimName", options.workspace_pvc}}}}});
  }
  return pod;
}

// Keys YAML reads back as the same string without quotes.
bool IsPlainKey(const std::string& key) {
  static const std::array<std::string_view, 10> kWords = {
      "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"};
  if (key.empty() || !std::isalpha(static_cast<unsigned char>(key[0]))) return false;
  std::string lower;
  for (char c : key) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '/' && c != '-') return false;
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return std::find(kWords.begin(), kWords.end(), lower) == kWords.end();
}

void Emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        if (!IsPlainKey(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        Emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const json& item : value) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string:
      out << YAML::DoubleQuoted << value.get<std::string>();
      break;
    case json::value_t::boolean:
      out << value.get<bool>();
      break;
    case json::value_t::number_integer:
      out << value.get<int64_t>();
      break;
    case json::value_t::number_unsigned:
      out << value.get<uint64_t>();
      break;
    case json::value_t::number_float:
      out << value.get<double>();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

// The member `key` of an object; null when `value` is no object or lacks it.
const json* Member(const json& value, const char* key) {
  if (!value.is_object()) return nullptr;
  auto it = value.find(key);
  return it == value.end() ? nullptr : &*it;
}

std::string StringAt(const json& value, const char* key) {
  const json* member = Member(value, key);
  return member && member->is_string() ? member->get<std::string>() : "";
}

}  // namespace

Status CheckKubernetesOptions(const KubernetesOptions& options) {
  if (options.image.empty())
    return InvalidArgument(
        "KubernetesOptions.image is empty: name the image to run steps in");
  RETURN_IF_ERROR(CheckText(options.image, "KubernetesOptions.image"));
  if (!options.namespace_name.empty() && !IsDnsLabel(options.namespace_name)) {
    return InvalidArgument("KubernetesOptions.namespace " +
                           QuotedForMessage(options.namespace_name) +
                           " is not a DNS-1123 label ([a-z0-9-], at most 63, starting "
                           "and ending with [a-z0-9])");
  }
  for (auto [field, value] : {std::pair{"service_account", &options.service_account},
                              {"workspace_pvc", &options.workspace_pvc}}) {
    if (!value->empty() && !IsDnsSubdomain(*value)) {
      return InvalidArgument(std::string("KubernetesOptions.") + field + " " +
                             QuotedForMessage(*value) +
                             " is not a DNS-1123 subdomain ([a-z0-9.-], at most 253)");
    }
  }
  if (options.ttl_seconds_after_finished && *options.ttl_seconds_after_finished < 0) {
    return InvalidArgument(
        "KubernetesOptions.ttl_seconds_after_finished must not be negative");
  }
  const std::string& policy = options.image_pull_policy;
  if (!policy.empty() && policy != "Always" && policy != "IfNotPresent" &&
      policy != "Never") {
    return InvalidArgument("KubernetesOptions.image_pull_policy " +
                           QuotedForMessage(policy) +
                           " is not one of Always, IfNotPresent, Never");
  }
  return CheckLabels(options.labels);
}

Result<json> JobManifest(const StepLaunch& launch, const Resources& resources,
                         const KubernetesOptions& options) {
  RETURN_IF_ERROR(CheckKubernetesOptions(options));
  RETURN_IF_ERROR(CheckLaunch(launch));
  if (!options.workspace_pvc.empty() && launch.workdir.empty()) {
    return InvalidArgument(
        "step launch " + QuotedForMessage(launch.id) +
        ": workdir is empty, and the workspace claim is mounted there");
  }
  std::string name = JobName(launch.id);
  json metadata = Metadata(launch, name, options);
  json job_metadata = metadata;
  job_metadata["name"] = name;
  if (!options.namespace_name.empty()) job_metadata["namespace"] = options.namespace_name;
  int64_t deadline_s = launch.timeout_ms / 1000 + (launch.timeout_ms % 1000 != 0 ? 1 : 0);
  json spec = {{"backoffLimit", 0},
               {"activeDeadlineSeconds", deadline_s},
               {"template",
                {{"metadata", std::move(metadata)},
                 {"spec", PodSpec(launch, resources, options)}}}};
  if (options.ttl_seconds_after_finished)
    spec["ttlSecondsAfterFinished"] = *options.ttl_seconds_after_finished;
  return json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", std::move(job_metadata)},
              {"spec", std::move(spec)}};
}

std::string JobName(std::string_view attempt_id) {
  std::string base;
  for (char c : attempt_id) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (IsLowerAlnum(lower)) {
      base += lower;
    } else if (!base.empty() && base.back() != '-') {
      base += '-';
    }
  }
  size_t room = kMaxLabel - kNamePrefix.size() - 1 - kNameHashDigits;
  if (base.size() > room)
    base.erase(0, base.size() - room);  // the tail: run, step, attempt
  while (!base.empty() && base.front() == '-') base.erase(0, 1);
  while (!base.empty() && base.back() == '-') base.pop_back();
  std::string hash = Hex(attempt_id).substr(0, kNameHashDigits);
  return std::string(kNamePrefix) + (base.empty() ? "" : base + "-") + hash;
}

std::string LabelValue(std::string_view text) {
  size_t first = 0;
  while (first < text.size() && !IsAlnum(text[first])) ++first;
  std::string value;
  for (char c : text.substr(first, kMaxLabel)) {
    value += IsAlnum(c) || c == '_' || c == '.' || c == '-' ? c : '-';
  }
  while (!value.empty() && !IsAlnum(value.back())) value.pop_back();
  return value;
}

JobState ReadJobState(const json& job) {
  JobState state;
  const json* status = Member(job, "status");
  const json* conditions = status ? Member(*status, "conditions") : nullptr;
  if (!conditions || !conditions->is_array()) return state;
  for (const json& condition : *conditions) {
    std::string type = StringAt(condition, "type");
    if ((type != "Complete" && type != "Failed") ||
        StringAt(condition, "status") != "True")
      continue;
    state.ended = true;
    state.succeeded = type == "Complete";
    state.reason = StringAt(condition, "reason");
    state.message = StringAt(condition, "message");
    if (!state.succeeded) break;  // Failed wins over a Complete listed with it
  }
  return state;
}

std::optional<int> ReadStepExitCode(const json& pods) {
  std::optional<int> code;
  const json* items = Member(pods, "items");
  if (!items || !items->is_array()) return code;
  for (const json& pod : *items) {
    const json* status = Member(pod, "status");
    const json* containers = status ? Member(*status, "containerStatuses") : nullptr;
    if (!containers || !containers->is_array()) continue;
    for (const json& container : *containers) {
      if (StringAt(container, "name") != kStepContainer) continue;
      const json* state = Member(container, "state");
      const json* terminated = state ? Member(*state, "terminated") : nullptr;
      const json* exit_code = terminated ? Member(*terminated, "exitCode") : nullptr;
      if (exit_code && exit_code->is_number_integer()) code = exit_code->get<int>();
    }
  }
  return code;
}

std::string ManifestYaml(const json& manifest) {
  YAML::Emitter out;
  Emit(out, manifest);
  return std::string(out.c_str()) + "\n";
}

}  // namespace ferry::pipelines
