// Substitutions in pipeline values (pipeline_spec.h): scanning ${params.NAME},
// ${steps.STEP.outputs.NAME} and $${, the checks ParsePipeline makes of them
// (pipeline_spec_internal.h), and Substitute, which fills them in.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pipelines/pipeline_spec.h"
#include "pipelines/pipeline_spec_internal.h"

namespace ferry::pipelines {

namespace spec_internal {

namespace {

constexpr std::string_view kSyntaxHelp =
    "use ${params.NAME} or ${steps.STEP.outputs.NAME}, or $${ for a literal ${";

struct Reference {
  std::string_view text;  // "${...}"
  std::string_view step;  // empty for a param
  std::string_view name;
};

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> parts;
  for (size_t dot; (dot = s.find('.')) != s.npos && parts.size() < 5;
       s.remove_prefix(dot + 1)) {
    parts.push_back(s.substr(0, dot));
  }
  parts.push_back(s);
  return parts;
}

// Calls literal(text) and reference(Reference) in order; `$${` is the
// literal "${". Messages say what is wrong, without where.
template <typename Literal, typename Ref>
Status Scan(std::string_view s, Literal literal, Ref reference) {
  size_t i = 0;
  while (i < s.size()) {
    size_t at = s.find('$', i);
    if (at == s.npos) at = s.size();
    literal(s.substr(i, at - i));
    if (at == s.size()) break;
    if (s.substr(at, 3) == "$${") {
      literal("${");
      i = at + 3;
    } else if (s.substr(at, 2) != "${") {
      literal("$");
      i = at + 1;
    } else if (s.substr(at, 3) == "${{") {
      return InvalidArgument("'${{' is not a substitution (" + std::string(kSyntaxHelp) +
                             ")");
    } else {
      size_t end = s.find('}', at);
      if (end == s.npos) {
        return InvalidArgument(Shown(s.substr(at)) + " has no closing '}' (" +
                               std::string(kSyntaxHelp) + ")");
      }
      Reference r{s.substr(at, end + 1 - at), {}, {}};
      std::vector<std::string_view> p = Split(s.substr(at + 2, end - at - 2));
      bool param = p.size() == 2 && p[0] == "params" && IsName(p[1], 64, false);
      bool output = p.size() == 4 && p[0] == "steps" && IsName(p[1], 64, false) &&
                    p[2] == "outputs" && IsName(p[3], 64, false);
      if (!param && !output) {
        return InvalidArgument(Shown(r.text) + " is not a substitution (" +
                               std::string(kSyntaxHelp) + ")");
      }
      r.step = output ? p[1] : std::string_view();
      r.name = p.back();
      RETURN_IF_ERROR(reference(r));
      i = end + 1;
    }
  }
  return Status::Ok();
}

// A map's keys, for NameList.
template <typename Map>
std::vector<std::string> Keys(const Map& map) {
  std::vector<std::string> out;
  for (const auto& kv : map) out.emplace_back(kv.first);
  return out;
}

}  // namespace

Status CheckSubstitutions(const Reader& r, const Field& f, std::string_view text,
                          const std::map<std::string, std::string>& params, size_t step,
                          std::vector<StepReference>* references) {
  Status st = Scan(
      text, [](std::string_view) {},
      [&](const Reference& ref) {
        if (!ref.step.empty()) {
          references->push_back({step, f.line, f.Where(), std::string(ref.text),
                                 std::string(ref.step), std::string(ref.name)});
        } else if (params.find(std::string(ref.name)) == params.end()) {
          return InvalidArgument(Shown(ref.text) + " names no pipeline param (params: " +
                                 NameList(Keys(params)) + ")");
        }
        return Status::Ok();
      });
  return st.ok() ? st : r.Bad(f.line, f.Where() + ": " + st.message());
}

Status CheckStepReferences(const Reader& r, const std::vector<StepSpec>& steps,
                           const std::vector<StepReference>& references, const Dag& dag) {
  if (references.empty()) return Status::Ok();
  std::map<std::string_view, size_t> index;
  for (size_t i = 0; i < dag.size(); ++i) index.emplace(steps[i].name, i);
  std::vector<size_t> upstream;  // of the step of the previous reference
  for (size_t k = 0; k < references.size(); ++k) {
    const StepReference& ref = references[k];
    if (k == 0 || references[k - 1].step != ref.step) upstream = dag.Upstream(ref.step);
    std::string at = ref.where + ": " + Shown(ref.text);
    auto it = index.find(ref.target);
    if (it == index.end()) {
      return r.Bad(ref.line,
                   at + " names no step (steps: " + NameList(Keys(index)) + ")");
    }
    const StepSpec& target = steps[it->second];
    if (target.outputs.count(ref.output) == 0) {
      return r.Bad(ref.line, at + ": step " + Shown(ref.target) + " declares no output " +
                                 Shown(ref.output) +
                                 " (outputs: " + NameList(Keys(target.outputs)) + ")");
    }
    if (!std::binary_search(upstream.begin(), upstream.end(), it->second)) {
      return r.Bad(ref.line, at + ": step " + Shown(ref.target) + " is not upstream of " +
                                 Shown(steps[ref.step].name) +
                                 "; add it to needs (a reference does not add a need)");
    }
  }
  return Status::Ok();
}

}  // namespace spec_internal

Result<std::string> Substitute(
    std::string_view text, const std::map<std::string, std::string>& params,
    const std::map<std::string, std::map<std::string, std::string>>& step_outputs) {
  using spec_internal::Reference;
  using spec_internal::Shown;
  std::string out;
  Status st = spec_internal::Scan(
      text, [&](std::string_view literal) { out += literal; },
      [&](const Reference& ref) {
        const std::map<std::string, std::string>* values = &params;
        if (!ref.step.empty()) {
          auto step = step_outputs.find(std::string(ref.step));
          if (step == step_outputs.end()) {
            return InvalidArgument(Shown(ref.text) + ": no outputs of step " +
                                   Shown(ref.step));
          }
          values = &step->second;
        }
        auto it = values->find(std::string(ref.name));
        if (it == values->end()) {
          return InvalidArgument(Shown(ref.text) + ": no value for " + Shown(ref.name));
        }
        out += it->second;
        return Status::Ok();
      });
  if (!st.ok()) return st;
  return out;
}

}  // namespace ferry::pipelines
