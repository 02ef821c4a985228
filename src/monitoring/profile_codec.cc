// Profile <-> bytes (little-endian, versioned, length-checked) and the JSON
// summary served by the API.
#include <bit>
#include <cstring>

#include "monitoring/profile.h"
#include "monitoring/sketch/wire.h"

namespace ferry::monitoring {

namespace {

constexpr uint8_t kVersion = 1;
constexpr uint64_t kMaxColumns = 1 << 16;
constexpr uint64_t kMaxEdges = 1 << 16;

class Writer {
 public:
  void U64(uint64_t v) { PutLe(&out, v, 8); }
  void F64(double v) { U64(std::bit_cast<uint64_t>(v)); }
  void Bytes(std::string_view s) {
    U64(s.size());
    out.append(s);
  }
  std::string out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  Result<uint64_t> U64() {
    uint64_t v = 0;
    if (!TakeLe(&in_, 8, &v)) return Truncated();
    return v;
  }
  Result<double> F64() {
    ASSIGN_OR_RETURN(uint64_t bits, U64());
    return std::bit_cast<double>(bits);
  }
  Result<std::string_view> Bytes() {
    ASSIGN_OR_RETURN(uint64_t n, U64());
    if (n > in_.size()) return Truncated();
    std::string_view s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  bool done() const { return in_.empty(); }

 private:
  static Status Truncated() { return InvalidArgument("profile: truncated or corrupt bytes"); }
  std::string_view in_;
};

template <typename Sketch>
std::string SketchBytes(const Sketch& s) {
  std::string out;
  s.AppendTo(&out);
  return out;
}

void WriteColumn(Writer& w, const ColumnProfile& c) {
  w.Bytes(c.name);
  w.U64(static_cast<uint64_t>(c.kind));
  for (uint64_t v : {c.rows, c.missing, c.non_finite, c.invalid}) w.U64(v);
  w.Bytes(SketchBytes(c.distinct));
  const NumericSummary& n = c.numeric;
  w.U64(n.count);
  for (double v : {n.min, n.max, n.mean, n.m2}) w.F64(v);
  w.Bytes(SketchBytes(n.quantiles));
  w.U64(n.edges.size());
  for (double e : n.edges) w.F64(e);
  w.U64(n.bins.size());
  for (double b : n.bins) w.F64(b);
  w.Bytes(SketchBytes(c.categories));
}

Result<std::vector<double>> ReadDoubles(Reader& r) {
  ASSIGN_OR_RETURN(uint64_t n, r.U64());
  if (n > kMaxEdges) return InvalidArgument("profile: too many bins");
  std::vector<double> out(n);
  for (double& v : out) {
    ASSIGN_OR_RETURN(v, r.F64());
  }
  return out;
}

Result<ColumnProfile> ReadColumn(Reader& r) {
  ColumnProfile c;
  ASSIGN_OR_RETURN(std::string_view name, r.Bytes());
  c.name = name;
  ASSIGN_OR_RETURN(uint64_t kind, r.U64());
  if (kind > static_cast<uint64_t>(ColumnKind::kText)) return InvalidArgument("profile: bad column kind");
  c.kind = static_cast<ColumnKind>(kind);
  for (uint64_t* v : {&c.rows, &c.missing, &c.non_finite, &c.invalid}) {
    ASSIGN_OR_RETURN(*v, r.U64());
  }
  ASSIGN_OR_RETURN(std::string_view hll, r.Bytes());
  ASSIGN_OR_RETURN(c.distinct, HyperLogLog::Parse(hll));
  NumericSummary& n = c.numeric;
  ASSIGN_OR_RETURN(n.count, r.U64());
  for (double* v : {&n.min, &n.max, &n.mean, &n.m2}) {
    ASSIGN_OR_RETURN(*v, r.F64());
  }
  ASSIGN_OR_RETURN(std::string_view kll, r.Bytes());
  ASSIGN_OR_RETURN(n.quantiles, KllSketch::Parse(kll));
  ASSIGN_OR_RETURN(n.edges, ReadDoubles(r));
  ASSIGN_OR_RETURN(n.bins, ReadDoubles(r));
  if (!n.edges.empty() && n.bins.size() != n.edges.size() + 1) return InvalidArgument("profile: bins do not fit edges");
  ASSIGN_OR_RETURN(std::string_view items, r.Bytes());
  ASSIGN_OR_RETURN(c.categories, FrequentItems::Parse(items));
  return c;
}

nlohmann::json NumericJson(const NumericSummary& n) {
  nlohmann::json q = nlohmann::json::object();
  if (n.count) {
    for (double p : {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99}) {
      q["p" + std::to_string(static_cast<int>(p * 100 + 0.5))] = n.quantiles.Quantile(p);
    }
  }
  return {{"count", n.count}, {"min", n.count ? n.min : NAN}, {"max", n.count ? n.max : NAN},
          {"mean", n.count ? n.mean : NAN}, {"std", n.PopulationStd()}, {"quantiles", q},
          {"edges", n.edges}, {"bins", n.bins}};
}

}  // namespace

std::string SerializeProfile(const Profile& p) {
  Writer w;
  w.out.push_back(static_cast<char>(kVersion));
  w.U64(static_cast<uint64_t>(p.start_ms));
  w.U64(static_cast<uint64_t>(p.end_ms));
  w.U64(p.rows);
  w.U64(p.columns.size());
  for (const ColumnProfile& c : p.columns) WriteColumn(w, c);
  return std::move(w.out);
}

Result<Profile> ParseProfile(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kVersion) {
    return InvalidArgument("profile: unknown format version");
  }
  Reader r(bytes.substr(1));
  Profile p;
  ASSIGN_OR_RETURN(uint64_t start, r.U64());
  ASSIGN_OR_RETURN(uint64_t end, r.U64());
  p.start_ms = static_cast<int64_t>(start);
  p.end_ms = static_cast<int64_t>(end);
  ASSIGN_OR_RETURN(p.rows, r.U64());
  ASSIGN_OR_RETURN(uint64_t columns, r.U64());
  if (columns > kMaxColumns) return InvalidArgument("profile: too many columns");
  for (uint64_t i = 0; i < columns; ++i) {
    ASSIGN_OR_RETURN(ColumnProfile c, ReadColumn(r));
    p.columns.push_back(std::move(c));
  }
  if (!r.done()) return InvalidArgument("profile: trailing bytes");
  return p;
}

nlohmann::json ProfileToJson(const Profile& p) {
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnProfile& c : p.columns) {
    nlohmann::json j = {{"name", c.name},       {"kind", ColumnKindName(c.kind)}, {"rows", c.rows},
                        {"missing", c.missing}, {"non_finite", c.non_finite},     {"invalid", c.invalid},
                        {"distinct", c.distinct.Estimate()}};
    if (c.kind == ColumnKind::kNumerical) {
      j["numeric"] = NumericJson(c.numeric);
    } else {
      nlohmann::json top = nlohmann::json::array();
      for (const auto& item : c.categories.Top(20)) top.push_back({{"value", item.value}, {"count", item.estimate}});
      j["top"] = top;
    }
    columns.push_back(j);
  }
  return {{"start_ms", p.start_ms}, {"end_ms", p.end_ms}, {"rows", p.rows}, {"columns", columns}};
}

}  // namespace ferry::monitoring
