#include "monitoring/column_builder.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "monitoring/csv_reader.h"

namespace ferry::monitoring {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool IsIntegerText(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

enum class Parsed { kNumber, kMissing, kInvalid };

// Parses a numeric cell; out-of-range values become +-inf or 0, as strtod
// (and pandas) make them.
Parsed ParseNumber(std::string_view text, double* value) {
  // The common case first: a plain number.
  if (!text.empty() && ((text[0] >= '0' && text[0] <= '9') || text[0] == '-')) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
    if (ec == std::errc() && end == text.data() + text.size() && !std::isnan(*value)) return Parsed::kNumber;
  }
  text = Trim(text);
  if (IsMissingToken(text)) return Parsed::kMissing;
  std::string_view digits = text;
  if (digits[0] == '+') digits.remove_prefix(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  if (end != digits.data() + digits.size()) return Parsed::kInvalid;
  if (ec == std::errc::result_out_of_range) {
    *value = std::strtod(std::string(digits).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return Parsed::kInvalid;
  }
  return std::isnan(*value) ? Parsed::kMissing : Parsed::kNumber;
}

}  // namespace

std::string CellText(const Cell& cell) {
  if (!cell.escaped) return std::string(cell.text);
  std::string out;
  out.reserve(cell.text.size());
  for (size_t i = 0; i < cell.text.size(); ++i) {
    out.push_back(cell.text[i]);
    if (cell.text[i] == '"' && i + 1 < cell.text.size() && cell.text[i + 1] == '"') ++i;
  }
  return out;
}

// Quoted numbers count as numbers, as pandas reads them ("1.5" is 1.5).
bool LooksNumeric(const Cell& cell) {
  double value;
  return !cell.escaped && ParseNumber(cell.text, &value) != Parsed::kInvalid;
}

void ColumnBuilder::Add(const Cell& cell) {
  ++rows_;
  if (numeric_) {
    AddNumber(cell.text);
  } else {
    AddString(cell);
  }
}

void ColumnBuilder::AddNumber(std::string_view text) {
  double value;
  switch (ParseNumber(text, &value)) {
    case Parsed::kMissing:
      ++missing_;
      return;
    case Parsed::kInvalid:
      ++invalid_;
      return;
    case Parsed::kNumber:
      break;
  }
  if (!std::isfinite(value)) {
    ++non_finite_;
    integral_ = false;
    return;
  }
  if (integral_ && !IsIntegerText(Trim(text))) integral_ = false;
  numbers_.push_back(value);
}

void ColumnBuilder::AddString(const Cell& cell) {
  if (cell.text.empty() || (!cell.quoted && IsMissingToken(cell.text))) {
    ++missing_;
    return;
  }
  std::string_view value = cell.text;
  if (cell.escaped) value = Own(CellText(cell));
  codes_.push_back(Code(value));
}

std::string_view ColumnBuilder::Own(std::string value) {
  return *owned_.emplace_back(std::make_unique<std::string>(std::move(value)));
}

uint32_t ColumnBuilder::Code(std::string_view value) {
  auto [it, added] = index_.try_emplace(value, static_cast<uint32_t>(dictionary_.size()));
  if (added) dictionary_.push_back(value);
  return it->second;
}

void ColumnBuilder::Append(ColumnBuilder&& later) {
  rows_ += later.rows_;
  missing_ += later.missing_;
  non_finite_ += later.non_finite_;
  invalid_ += later.invalid_;
  integral_ = integral_ && later.integral_;
  numbers_.insert(numbers_.end(), later.numbers_.begin(), later.numbers_.end());
  std::vector<uint32_t> remap(later.dictionary_.size());
  for (size_t i = 0; i < later.dictionary_.size(); ++i) remap[i] = Code(later.dictionary_[i]);
  codes_.reserve(codes_.size() + later.codes_.size());
  for (uint32_t code : later.codes_) codes_.push_back(remap[code]);
  for (auto& s : later.owned_) owned_.push_back(std::move(s));
}

Column ColumnBuilder::Finish(std::string name, const ColumnKind* kind) && {
  Column column;
  column.name = std::move(name);
  column.rows = rows_;
  column.missing = missing_;
  column.non_finite = non_finite_;
  column.invalid = invalid_;
  return numeric_ ? FinishNumbers(std::move(column), kind) : FinishStrings(std::move(column), kind);
}

Column ColumnBuilder::FinishNumbers(Column column, const ColumnKind* kind) {
  std::set<double> distinct;
  bool integral = integral_ && missing_ == 0 && invalid_ == 0;
  for (size_t i = 0; integral && i < numbers_.size() && distinct.size() <= 10; ++i) distinct.insert(numbers_[i]);
  column.kind = kind ? *kind : InferNumericKind(integral, distinct.size());
  if (column.kind == ColumnKind::kNumerical) {
    column.numbers = std::move(numbers_);
    return column;
  }
  // An integer column of few values is categorical: its values become words.
  std::map<double, uint32_t> code_of;
  codes_.reserve(numbers_.size());
  for (double v : numbers_) {
    auto [it, added] = code_of.try_emplace(v, 0);
    if (added) {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
      it->second = Code(Own(std::string(buf, ec == std::errc() ? end : buf)));
    }
    codes_.push_back(it->second);
  }
  ColumnKind categorical = column.kind;
  return FinishStrings(std::move(column), &categorical);
}

Column ColumnBuilder::FinishStrings(Column column, const ColumnKind* kind) {
  column.kind = kind ? *kind : InferStringKind(dictionary_.size(), codes_.size());
  column.codes = std::move(codes_);
  column.dictionary.assign(dictionary_.begin(), dictionary_.end());
  return column;
}

}  // namespace ferry::monitoring
