#include "core/prometheus.h"

namespace ferry {

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

void Histogram::Observe(double value) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) ++counts_[i];
  }
  ++count_;
  sum_ += value;
}

void Histogram::Render(std::ostream& out, std::string_view name, const std::string& labels) const {
  std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < bounds_.size(); ++i) {
    out << name << "_bucket{" << labels << sep << "le=\"" << bounds_[i] << "\"} " << counts_[i]
        << "\n";
  }
  out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << count_ << "\n";
  std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_sum" << braces << " " << sum_ << "\n";
  out << name << "_count" << braces << " " << count_ << "\n";
}

}  // namespace ferry
