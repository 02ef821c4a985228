// The YAML reading layer of the pipeline file (pipeline_spec_internal.h):
// the guards that run before yaml-cpp builds a node graph, typed readers
// from nodes to values, and messages that name the file and line.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <set>
#include <sstream>
#include <utility>

#include "core/text.h"
#include "pipelines/pipeline_spec_internal.h"

namespace ferry::pipelines::spec_internal {

namespace {

constexpr size_t kMaxYamlBytes = 4 << 20;
constexpr size_t kMaxNodes = 200000;  // 1000 steps of 200 values each
constexpr size_t kMaxEntries = 1000;  // in any one map or list
// All text read from the document. Aliases repeat a node without repeating
// its bytes in the file, so this bounds what a small file can make us copy.
constexpr size_t kMaxTextBytes = 16 << 20;
constexpr int64_t kMaxMemoryBytes = int64_t{1} << 50;  // 1 PiB

// 1-based; 0 where yaml-cpp has no position.
int LineOf(const YAML::Node& node) {
  return node.Mark().is_null() ? 0 : node.Mark().line + 1;
}

// Counts a document's nodes without building them, to refuse one that would
// make yaml-cpp's node graph huge (~500 bytes a node) before it is built.
class NodeCounter : public YAML::EventHandler {
 public:
  struct TooMany {
    YAML::Mark mark;
  };
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { Count(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Count(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Count(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Count(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Count(m);
  }
  void OnMapEnd() override {}

 private:
  void Count(const YAML::Mark& m) {
    if (++nodes_ > kMaxNodes) throw TooMany{m};
  }
  size_t nodes_ = 0;
};

}  // namespace

// ---- text -----------------------------------------------------------------

std::string Shown(std::string_view s) { return QuotedForMessage(s); }

bool IsName(std::string_view s, size_t max_bytes, bool dot) {
  auto ok = [dot](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || (dot && c == '.');
  };
  return !s.empty() && s.size() <= max_bytes && std::all_of(s.begin(), s.end(), ok);
}

// ---- YAML values ----------------------------------------------------------

std::string Describe(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (!n.IsScalar()) return "nothing";
  return Shown(n.Scalar());
}

std::string Field::Where() const {
  return path.empty() ? "the file" : prefix + "'" + path + "'";
}

Field Field::Child(std::string_view key, const YAML::Node& key_node,
                   const YAML::Node& value) const {
  // An empty value has no position of its own: yaml-cpp gives the next token's.
  int at = LineOf(value.IsNull() ? key_node : value);
  return {prefix, path.empty() ? std::string(key) : path + "." + std::string(key), at,
          value};
}

Field Field::Item(size_t i, const YAML::Node& value) const {
  return {prefix, path + "[" + std::to_string(i) + "]", LineOf(value), value};
}

Reader::Reader(const SpecContext& context) : context_(context), budget_(kMaxTextBytes) {}

Status Reader::Bad(int line, const std::string& why) const {
  std::string at = line > 0 ? " line " + std::to_string(line) : "";
  return InvalidArgument(context_.file_name + at + ": " + why);
}

Status Reader::Bad(const Field& f, const std::string& why) const {
  return Bad(f.line, f.Where() + " " + why);
}

Result<std::string> Reader::Text(const Field& f, size_t max_bytes) {
  if (!f.node.IsScalar()) return Bad(f, "must be a string, got " + Describe(f.node));
  const std::string& s = f.node.Scalar();
  if (s.size() > budget_) {
    return Bad(f.line, "the document expands to over 16 MiB of text");
  }
  budget_ -= s.size();
  if (s.size() > max_bytes) {
    return Bad(f, "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(s)) return Bad(f, "is not valid UTF-8");
  return s;
}

Result<std::string> Reader::Name(const Field& f, size_t max_bytes, bool dot) {
  ASSIGN_OR_RETURN(std::string s, Text(f, max_bytes));
  if (IsName(s, max_bytes, dot)) return s;
  return Bad(f, "must be 1-" + std::to_string(max_bytes) + " of [A-Za-z0-9_" +
                    (dot ? ".-]" : "-]") + ", got " + Shown(s));
}

Result<int64_t> Reader::Integer(const Field& f, int64_t lo, int64_t hi) {
  int64_t v = 0;
  bool ok = false;
  if (f.node.IsScalar() && f.node.Tag() != "!") {
    const std::string& s = f.node.Scalar();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    ok = ec == std::errc() && end == s.data() + s.size() && v >= lo && v <= hi;
  }
  if (ok) return v;
  return Bad(f, "must be an integer from " + std::to_string(lo) + " to " +
                    std::to_string(hi) + ", got " + Describe(f.node));
}

Result<bool> Reader::Bool(const Field& f) {
  if (f.node.IsScalar() && f.node.Tag() != "!") {
    const std::string& s = f.node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  return Bad(f, "must be true or false, got " + Describe(f.node));
}

Result<Entries> Reader::Map(const Field& f) {
  if (!f.node.IsMap()) return Bad(f, "must be a map, got " + Describe(f.node));
  if (f.node.size() > kMaxEntries) return Bad(f, "has more than 1000 entries");
  Entries out;
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : f.node) {
    Field key{f.prefix, f.path.empty() ? "key" : f.path + " key", LineOf(kv.first),
              kv.first};
    if (!kv.first.IsScalar()) return Bad(key.line, f.Where() + " keys must be strings");
    ASSIGN_OR_RETURN(std::string name, Text(key, 256));
    if (!seen.insert(name).second) {
      return Bad(key.line, f.Where() + " has the key " + Shown(name) + " twice");
    }
    Field value = f.Child(name, kv.first, kv.second);
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

Result<std::vector<Field>> Reader::List(const Field& f) {
  if (!f.node.IsSequence()) return Bad(f, "must be a list, got " + Describe(f.node));
  if (f.node.size() > kMaxEntries) return Bad(f, "has more than 1000 items");
  std::vector<Field> out;
  for (const YAML::Node& item : f.node) out.push_back(f.Item(out.size(), item));
  return out;
}

Result<int64_t> Reader::Duration(const Field& f, int64_t lo, int64_t hi,
                                 std::string_view range) {
  std::string s = f.node.IsScalar() ? f.node.Scalar() : "";
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  std::string_view unit(end, static_cast<size_t>(s.data() + s.size() - end));
  int64_t scale = unit == "ms"                  ? 1
                  : unit.empty() || unit == "s" ? kSecondMs
                  : unit == "m"                 ? 60 * kSecondMs
                  : unit == "h"                 ? 3600 * kSecondMs
                  : unit == "d"                 ? kDayMs
                                                : 0;
  if (ec != std::errc() || scale == 0 || n < 0 || s[0] == '+') {
    return Bad(f,
               "must be a duration like 300, 300s, 10m or 2h, got " + Describe(f.node));
  }
  if (n > hi / scale || n * scale < lo) {
    return Bad(f, "must be " + std::string(range) + ", got " + Shown(s));
  }
  return n * scale;
}

Result<double> Reader::Cpu(const Field& f) {
  std::string s = f.node.IsScalar() ? f.node.Scalar() : "";
  size_t milli = !s.empty() && s.back() == 'm' ? 1 : 0;
  double v = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size() - milli, v);
  if (milli) v /= 1000;
  if (ec != std::errc() || end != s.data() + s.size() - milli || !(v >= 0 && v <= 1024)) {
    return Bad(
        f, "must be cores like 2, 0.5 or 500m (at most 1024), got " + Describe(f.node));
  }
  return v;
}

Result<int64_t> Reader::Memory(const Field& f) {
  constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"", 1},           {"K", 1000},          {"M", 1000000},
      {"G", 1000000000}, {"T", 1000000000000}, {"Ki", 1 << 10},
      {"Mi", 1 << 20},   {"Gi", 1 << 30},      {"Ti", int64_t{1} << 40}};
  std::string s = f.node.IsScalar() ? f.node.Scalar() : "";
  int64_t n = -1, scale = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  std::string_view unit(end, static_cast<size_t>(s.data() + s.size() - end));
  for (const auto& [name, bytes] : kUnits) scale = unit == name ? bytes : scale;
  if (ec != std::errc() || scale == 0 || n < 0 || n > kMaxMemoryBytes / scale) {
    return Bad(f, "must be bytes like 4Gi, 512Mi or 1G (at most 1 PiB), got " +
                      Describe(f.node));
  }
  return n * scale;
}

Status CheckKeys(const Reader& r, const Entries& entries, const std::string& where,
                 std::span<const std::string_view> known) {
  for (const auto& [key, field] : entries) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return r.Bad(field.line, where + "unknown key " + Shown(key) +
                                   " (known: " + NameList(known) + ")");
    }
  }
  return Status::Ok();
}

const Field* Find(const Entries& entries, std::string_view key) {
  for (const auto& [k, f] : entries) {
    if (k == key) return &f;
  }
  return nullptr;
}

// ---- the document -----------------------------------------------------------

Result<YAML::Node> Load(const Reader& r, std::string_view yaml) {
  if (yaml.size() > kMaxYamlBytes) return r.Bad(0, "larger than 4 MiB");
  std::string text(yaml);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    NodeCounter counter;
    parser.HandleNextDocument(counter);
    return YAML::Load(text);
  } catch (const NodeCounter::TooMany& e) {
    return r.Bad(e.mark.line + 1, "more than 200000 YAML nodes in the file");
  } catch (const YAML::DeepRecursion& e) {  // its own message is "bad file"
    return r.Bad(e.mark.line + 1, "nested too deeply");
  } catch (const YAML::Exception& e) {
    return r.Bad(e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
  }
}

}  // namespace ferry::pipelines::spec_internal
