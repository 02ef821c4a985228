// Pieces shared by the pipeline-file reader: pipeline_yaml.cc (YAML to typed
// values, with file and line in every message), substitution.cc (the ${...}
// checks) and pipeline_spec.cc (the spec's fields and the whole-file checks).
// Not for other callers: the subsystem's door is pipeline_spec.h.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "pipelines/dag.h"
#include "pipelines/pipeline_spec.h"

namespace ferry::pipelines::spec_internal {

inline constexpr int64_t kSecondMs = 1000;
inline constexpr int64_t kDayMs = 86400 * kSecondMs;

// ---- text (pipeline_yaml.cc) ---------------------------------------------

// `s` quoted for a message: at most 40 bytes, control characters and
// malformed UTF-8 as '?', so a hostile value cannot bloat the message.
std::string Shown(std::string_view s);

// 1..max_bytes of [A-Za-z0-9_-], and '.' when `dot`.
bool IsName(std::string_view s, size_t max_bytes, bool dot);

// "a, b, c" — at most 20, then "and N more"; "none" when empty.
template <typename Names>
std::string NameList(const Names& names) {
  std::string out;
  size_t n = 0;
  for (const auto& name : names) {
    if (n++ == 20) {
      return out + ", and " + std::to_string(std::size(names) - 20) + " more";
    }
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out.empty() ? "none" : out;
}

// ---- YAML values (pipeline_yaml.cc) --------------------------------------

// "a map", "a list", "nothing", or the scalar as Shown.
std::string Describe(const YAML::Node& n);

// A value and where it is, for messages: "<prefix>'<path>'".
struct Field {
  std::string prefix;  // "step 'train': " or empty
  std::string path;    // "timeout", "resources.cpu", "inputs[1]"
  int line = 0;
  YAML::Node node;

  std::string Where() const;  // "the file" for the root
  Field Child(std::string_view key, const YAML::Node& key_node,
              const YAML::Node& value) const;
  Field Item(size_t i, const YAML::Node& value) const;
};

using Entries = std::vector<std::pair<std::string, Field>>;

// Reads one document: typed values, with messages that name file and line.
// Every reader fails with InvalidArgument "<file> line N: <where> <why>".
// Counts the text it hands out, so aliases cannot expand a small file past
// 16 MiB of copies. One per document; not thread-safe.
class Reader {
 public:
  explicit Reader(const SpecContext& context);

  Status Bad(int line, const std::string& why) const;  // line 0: no line
  Status Bad(const Field& f, const std::string& why) const;
  const SpecContext& context() const { return context_; }

  // A scalar as written: at most max_bytes, valid UTF-8.
  Result<std::string> Text(const Field& f, size_t max_bytes);
  // Text that IsName(s, max_bytes, dot).
  Result<std::string> Name(const Field& f, size_t max_bytes, bool dot);
  // A plain (unquoted) decimal integer in [lo, hi].
  Result<int64_t> Integer(const Field& f, int64_t lo, int64_t hi);
  // true/True/TRUE or false/False/FALSE, unquoted.
  Result<bool> Bool(const Field& f);
  // The entries of a map, in file order; keys are scalars, each once; at
  // most 1000.
  Result<Entries> Map(const Field& f);
  // The items of a list; at most 1000.
  Result<std::vector<Field>> List(const Field& f);
  // "300" (seconds), "500ms", "300s", "10m", "2h", "1d"; in [lo, hi] ms,
  // `range` says which in the message.
  Result<int64_t> Duration(const Field& f, int64_t lo, int64_t hi,
                           std::string_view range);
  // Cores: 2, 0.5 or "500m" (millicores); at most 1024.
  Result<double> Cpu(const Field& f);
  // Bytes, or with a suffix: K M G T (powers of 1000), Ki Mi Gi Ti (of 1024);
  // at most 1 PiB.
  Result<int64_t> Memory(const Field& f);

 private:
  const SpecContext& context_;
  size_t budget_;  // bytes of text still allowed
};

// Keys outside `known` are rejected, naming them and the known ones; `where`
// prefixes the message ("step 'train': ").
Status CheckKeys(const Reader& r, const Entries& entries, const std::string& where,
                 std::span<const std::string_view> known);

// The entry named `key`, or null.
const Field* Find(const Entries& entries, std::string_view key);

// The document, after the guards that run before yaml-cpp builds nodes: at
// most 4 MiB and 200,000 nodes. yaml-cpp's errors (syntax, nesting depth)
// become InvalidArgument with the line; nothing throws.
Result<YAML::Node> Load(const Reader& r, std::string_view yaml);

// ---- substitutions (substitution.cc) -------------------------------------

// A ${steps...} reference, checked once every step is read.
struct StepReference {
  size_t step;  // the step that uses it
  int line;
  std::string where, text, target, output;
};

// The substitutions in `text`, the value `f` of step number `step`: the
// syntax, and each ${params.NAME} against `params`, now; each
// ${steps.STEP.outputs.NAME} is appended to `references` for
// CheckStepReferences.
Status CheckSubstitutions(const Reader& r, const Field& f, std::string_view text,
                          const std::map<std::string, std::string>& params, size_t step,
                          std::vector<StepReference>* references);

// Each reference's STEP declares its output and is upstream of the step that
// uses it (a reference does not add a need). The first failure, with its line.
Status CheckStepReferences(const Reader& r, const std::vector<StepSpec>& steps,
                           const std::vector<StepReference>& references, const Dag& dag);

}  // namespace ferry::pipelines::spec_internal
