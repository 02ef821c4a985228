// Pipelines as code: the pipeline file, parsed and validated into a
// PipelineSpec, and the ${...} substitutions of its values. Pure: no
// execution, no clock; the only I/O is through SpecContext's callbacks.
// Thread-compatible (no shared state).
//
// A pipeline file (YAML):
//
//   name: retrain-fraud          # required: [A-Za-z0-9_.-]{1,128}
//   description: free text       # at most 4096 bytes
//   params:                      # defaults a run may override: scalars, kept as written
//     data: data/train.csv       # names: [A-Za-z0-9_-]{1,64}
//   triggers:                    # all optional
//     schedule: "0 3 * * *"      # cron, checked by SpecContext::check_cron
//     on:                        # events that start a run
//       - alert: fraud-drift     # an alert rule fires
//       - dataset: fraud-train   # a new version of a dataset is registered
//       - registry: {model: fraud, action: set_alias}
//                                # a registry event; action (optional) is one of the
//                                # registry's audit actions: create_version, set_alias,
//                                # transition_stage, gate_decision, ... (`registry:
//                                # fraud` is any action)
//   concurrency: queue           # skip | queue | cancel (the running run); default queue
//   steps:                       # required: 1..1000, run in dependency order
//     - name: train              # [A-Za-z0-9_-]{1,64}, unique
//       run: python train.py     # exactly one of run (a string, for /bin/sh -c, or a
//       uses: train-xgboost      #   list: argv) and uses (a built-in: BuiltinSteps())
//       with: {k: v}             # the built-in's arguments (uses only); a map or list
//                                #   value is passed as its JSON text
//       needs: [validate]        # upstream steps, the DAG's edges (or `needs: validate`)
//       inputs: [data/train.csv] # files/dirs whose content keys the cache
//       outputs: {model: model/} # named outputs: relative paths inside the workdir
//       params: {lr: 0.1}        # step parameters (part of the cache key)
//       env: {OMP_NUM_THREADS: 1}  # names: [A-Za-z_][A-Za-z0-9_]*
//       timeout: 10m             # 300 (s), 500ms, 300s, 10m, 2h, 1d; > 0, <= 7d; 1h
//       retries: 2               # 0..10; default 0
//       retry_delay: 5s          # <= 1d; default 1s
//       cache: true              # default: true when inputs are declared
//       resources: {cpu: 2, memory: 4Gi, gpu: 0}
//                                # cpu: cores, 0..1024, or millicores "500m"; memory:
//                                # bytes, or K M G T / Ki Mi Gi Ti, <= 1 PiB; gpu: 0..64
//
// Integer and boolean fields take plain YAML (`retries: "2"` is a string and
// an error); string fields take any scalar as written (`max_depth: 4` is "4").
//
// Substitutions. Values of run, with, inputs, params and env may use
// ${params.NAME} (a pipeline param) and ${steps.STEP.outputs.NAME} (an output
// that STEP declares, where STEP is a transitive upstream through `needs`: a
// reference does not add an edge). `$${` is a literal `${`, for shell
// variables (`echo $${HOME}`). Anything else after `${`, `${{`, or an
// unclosed `${` is an error. Substitution is not recursive: a value filled in
// is not scanned again. Output paths and pipeline param defaults are literal.
//
// Errors are InvalidArgument, "<file> line N: <where>: <why>", e.g.
//   pipeline.yaml line 14: step 'train': needs 'valdate', which is not a step
//   (steps: validate, train)
// Unknown and repeated keys and wrong types are named. Limits, each rejected
// with a message (nothing throws, nothing grows without bound): 4 MiB of
// YAML, 200,000 YAML nodes (checked before yaml-cpp builds them), nesting
// about 500 deep (yaml-cpp's limit), 1,000 steps, 1,000 entries in any map
// or list, 64 KiB in any value, 16 MiB of text once aliases are expanded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ferry::pipelines {

// Hints for executors (Kubernetes requests); 0 means "not given".
struct Resources {
  double cpu = 0;  // cores
  int64_t memory_bytes = 0;
  int gpu = 0;
};

// An event that starts a run.
struct TriggerEvent {
  std::string kind;    // "alert", "dataset" or "registry"
  std::string name;    // the alert rule, the dataset, or the registry model
  std::string action;  // registry only: an audit action; empty means any
};

// What a new run does while another run of the same pipeline is running.
enum class Concurrency { kSkip, kQueue, kCancel };

struct StepSpec {
  std::string name;
  int line = 0;                   // of the step in the file; 0 when not from a file
  std::string uses;               // a built-in step (BuiltinSteps()), or empty
  std::vector<std::string> argv;  // `run` as a list
  std::string shell;              // `run` as a string, for /bin/sh -c
  std::map<std::string, std::string> with, params, env, outputs;
  std::vector<std::string> needs, inputs;  // as written, in file order
  int64_t timeout_ms = 3600000;
  int retries = 0;
  int64_t retry_delay_ms = 1000;
  bool cache = true;  // resolved: the default is !inputs.empty()
  Resources resources;
};

struct PipelineSpec {
  std::string name, description;
  std::map<std::string, std::string> params;  // defaults, as written
  std::string schedule;                       // cron; empty: none
  std::vector<TriggerEvent> on;
  Concurrency concurrency = Concurrency::kQueue;
  std::vector<StepSpec> steps;  // file order
};

// What ParsePipeline may ask of the outside world.
struct SpecContext {
  std::string file_name = "pipeline.yaml";  // for messages
  // Whether an input path (one without `${`) exists; null: not checked.
  std::function<bool(std::string_view path)> exists;
  // Checks a cron expression; its message is quoted. Null: not checked.
  std::function<Status(std::string_view expr)> check_cron;
};

// Parses and validates a pipeline file: fields, substitutions, needs (no
// unknown step, no cycle), inputs. InvalidArgument names the line and why.
Result<PipelineSpec> ParsePipeline(std::string_view yaml, const SpecContext& context);

// The spec as JSON for the API: every field, durations in ms, memory in bytes,
// `run` as a string or a list as written.
nlohmann::json PipelineToJson(const PipelineSpec& spec);

std::string_view ConcurrencyName(Concurrency concurrency);  // "skip", "queue", "cancel"

// Fills ${params.NAME} and ${steps.STEP.outputs.NAME} in `text` and turns
// `$${` into `${`. A name missing from the maps, or bad syntax, is
// InvalidArgument naming it. O(text + filled values).
Result<std::string> Substitute(
    std::string_view text, const std::map<std::string, std::string>& params,
    const std::map<std::string, std::map<std::string, std::string>>& step_outputs);

// The names `uses` accepts: validate, train-xgboost, evaluate, gate, register,
// deploy, promote.
const std::vector<std::string>& BuiltinSteps();

}  // namespace ferry::pipelines
