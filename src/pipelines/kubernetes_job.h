// Kubernetes Jobs for pipeline steps: one step attempt (a StepLaunch) as a
// batch/v1 Job manifest, for the Kubernetes executor (kubernetes_executor.h)
// and `ferry pipeline manifests`. Pure: no I/O. Thread-compatible.
//
// The Job (names and labels in deploy/kubernetes/README.md):
//   metadata.name  JobName(launch.id): a DNS-1123 label of at most 63
//                  characters, "ferry-" + the tail of the id made lower-case
//                  [a-z0-9-] + "-" + 10 hex digits of the id's SHA-256, so
//                  distinct ids get distinct names even after truncation
//   labels         app.kubernetes.io/managed-by: ferry, ferry.dev/pipeline and
//                  ferry.dev/step (from the launch's FERRY_PIPELINE and
//                  FERRY_STEP, which the runner sets; omitted when absent),
//                  ferry.dev/attempt-id (the Job's name), then the options' own;
//                  on the Job and its pod. Values go through LabelValue.
//   annotations    the raw ferry.dev/pipeline, ferry.dev/step, ferry.dev/attempt-id
//   spec           backoffLimit 0 (the runner retries, not Kubernetes),
//                  activeDeadlineSeconds = the launch's timeout rounded up to a
//                  second, ttlSecondsAfterFinished, a pod with restartPolicy
//                  Never and one container "step": command = argv, env sorted
//                  by name, workingDir = workdir, resources from the hints, and
//                  the workspace claim mounted at workdir when one is given.
// Resources: requests.cpu (millicores, "500m", or whole cores, "2"),
// requests.memory and limits.memory (bytes in the largest exact binary unit,
// "4Gi", "1536Mi", "1000"), limits["nvidia.com/gpu"]; no CPU limit (a limit
// throttles a step that could use idle cores). Hints of 0 are left out.
//
// The same input always gives the same JSON, byte for byte (nlohmann's
// objects keep their keys sorted; env comes from an ordered map).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "pipelines/executor.h"
#include "pipelines/pipeline_spec.h"

namespace ferry::pipelines {

struct KubernetesOptions {
  std::string namespace_name;   // metadata.namespace; empty: the one kubectl uses
  std::string image;            // required: holds ferry and the workspace's tools
  std::string service_account;  // the pod's; empty: the namespace's default
  std::string workspace_pvc;    // a claim mounted at the launch's workdir; empty: none
  std::optional<int> ttl_seconds_after_finished = 86400;  // nullopt: the Job is kept
  std::string image_pull_policy;  // Always, IfNotPresent or Never; empty: Kubernetes'
  std::map<std::string, std::string> labels;  // more labels on the Job and its pod
};

inline constexpr std::string_view kStepContainer = "step";

// Checks what Kubernetes would reject in the options: an empty image, a
// namespace that is no DNS-1123 label, a service account or claim that is
// no DNS-1123 subdomain, a negative TTL, an unknown pull policy, a label key
// or value outside the label grammar, or a label key Ferry sets itself.
// InvalidArgument names the field.
Status CheckKubernetesOptions(const KubernetesOptions& options);

// The Job for one attempt. InvalidArgument naming the field for: bad options
// (above), an empty id or argv, an env name outside [-._a-zA-Z][-._a-zA-Z0-9]*,
// text that is not UTF-8 or holds a NUL, a relative workdir, a timeout <= 0.
Result<nlohmann::json> JobManifest(const StepLaunch& launch, const Resources& resources,
                                   const KubernetesOptions& options);

// The Job name for an attempt id (above); a valid DNS-1123 label for any id.
std::string JobName(std::string_view attempt_id);

// `text` as a label value: characters outside [-A-Za-z0-9_.] become '-',
// at most 63 characters, starting and ending with a letter or digit (so it
// may be empty).
std::string LabelValue(std::string_view text);

// How a Job stands, from its object (`kubectl get job NAME -o json`): ended
// once a condition Complete or Failed is "True"; `reason` and `message` are
// the Failed condition's ("DeadlineExceeded" after activeDeadlineSeconds).
// Anything else, malformed JSON included, reads as still running.
struct JobState {
  bool ended = false;
  bool succeeded = false;
  std::string reason, message;
};
JobState ReadJobState(const nlohmann::json& job);

// The exit code of the "step" container in a pod list (`kubectl get pods
// -o json`): the last pod whose container has terminated; nullopt if none.
std::optional<int> ReadStepExitCode(const nlohmann::json& pods);

// A manifest as a YAML document: strings double-quoted (so "2" stays a
// string), keys plain where YAML reads them back as the same string.
std::string ManifestYaml(const nlohmann::json& manifest);

}  // namespace ferry::pipelines
