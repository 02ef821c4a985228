#include "pipelines/steps/feature_matrix.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "core/text.h"
#include "monitoring/csv_reader.h"

namespace ferry::pipelines::steps {
namespace {

constexpr size_t kMaxColumns = 100000;
constexpr size_t kMaxRowBytes = 16u << 20;
constexpr size_t kBufferBytes = 1u << 20;
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// Rows of cells from a CSV stream, one buffer at a time.
class CsvRows {
 public:
  CsvRows(std::string path, std::unique_ptr<std::ifstream> in)
      : path_(std::move(path)), in_(std::move(in)), buffer_(kBufferBytes) {}

  // The next non-blank row; false at the end of the file.
  Result<bool> Next(std::vector<std::string>* cells) {
    cells->clear();
    if (!SkipBlankLines()) return false;
    row_line_ = line_;
    size_t bytes = 0;
    std::string cell;
    bool quoted = false;
    for (;;) {
      int c = Get();
      if (++bytes > kMaxRowBytes) return Error("a row is longer than 16 MiB");
      if (c == '"' && cell.empty() && !quoted) {
        quoted = true;
        RETURN_IF_ERROR(ReadQuoted(&cell, &bytes));
        continue;
      }
      if (c == ',' || c == '\n' || c == '\r' || c == kEnd) {
        cells->push_back(std::move(cell));
        cell.clear();
        quoted = false;
        if (c == ',' && cells->size() >= kMaxColumns)
          return Error("more than 100000 cells");
        if (c == ',') continue;
        if (c == '\r' && Peek() == '\n') Get();
        if (c != kEnd) ++line_;
        return true;
      }
      if (quoted) return Error("text follows a closing quote");
      cell.push_back(static_cast<char>(c));
    }
  }

  // Skips a UTF-8 byte order mark at the start of the file.
  void SkipByteOrderMark() {
    Peek();
    if (size_ - pos_ >= 3 && std::string_view(buffer_.data() + pos_, 3) == "\xEF\xBB\xBF")
      pos_ += 3;
  }

  int64_t row_line() const { return row_line_; }
  const std::string& path() const { return path_; }
  Status Error(const std::string& what) const {
    return InvalidArgument(path_ + ", line " + std::to_string(row_line_) + ": " + what);
  }

 private:
  static constexpr int kEnd = -1;

  int Peek() {
    if (pos_ == size_ && !Fill()) return kEnd;
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  int Get() {
    int c = Peek();
    if (c != kEnd) ++pos_;
    return c;
  }
  bool Fill() {
    if (!in_->good()) return false;
    in_->read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    size_ = static_cast<size_t>(in_->gcount());
    pos_ = 0;
    return size_ > 0;
  }

  // Consumes empty lines; false at the end of the file.
  bool SkipBlankLines() {
    for (;;) {
      int c = Peek();
      if (c == kEnd) return false;
      if (c != '\n' && c != '\r') return true;
      Get();
      if (c == '\r' && Peek() == '\n') Get();
      ++line_;
    }
  }

  // After an opening quote: the cell up to its closing quote. `bytes`
  // counts the row's bytes so far.
  Status ReadQuoted(std::string* cell, size_t* bytes) {
    for (;;) {
      int c = Get();
      if (c == kEnd) return Error("a quoted cell is never closed");
      if (++*bytes > kMaxRowBytes) return Error("a row is longer than 16 MiB");
      if (c == '"') {
        if (Peek() != '"') return Status::Ok();
        Get();
      } else if (c == '\n') {
        ++line_;
      }
      cell->push_back(static_cast<char>(c));
    }
  }

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  std::vector<char> buffer_;
  size_t pos_ = 0, size_ = 0;
  int64_t line_ = 1, row_line_ = 1;
};

Result<std::unique_ptr<CsvRows>> Open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return InvalidArgument(QuotedForMessage(path, 200) + " is not a readable file");
  }
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) return InvalidArgument("cannot read " + QuotedForMessage(path, 200));
  return std::make_unique<CsvRows>(path, std::move(in));
}

Result<std::vector<std::string>> Header(CsvRows& rows) {
  std::vector<std::string> names;
  rows.SkipByteOrderMark();
  ASSIGN_OR_RETURN(bool any, rows.Next(&names));
  if (!any)
    return InvalidArgument(rows.path() + ": the file is empty: a header row is required");
  if (names.size() > kMaxColumns) return rows.Error("more than 100000 columns");
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].empty()) return rows.Error("a column has an empty name");
    if (i > 0 && sorted[i] == sorted[i - 1]) {
      return rows.Error("column " + QuotedForMessage(sorted[i]) + " appears twice");
    }
  }
  return names;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The cell as a number: nullopt when it is not one; NaN when missing.
std::optional<double> CellNumber(std::string_view cell) {
  cell = Trim(cell);
  if (monitoring::IsMissingToken(cell)) return std::nan("");
  if (cell.size() > 1 && cell[0] == '+' && cell[1] != '-') cell.remove_prefix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
  bool whole = end == cell.data() + cell.size();
  // Out of range: strtod tells an overflow (+-HUGE_VAL) from an underflow (~0).
  if (ec == std::errc::result_out_of_range && whole)
    return std::strtod(std::string(cell).c_str(), nullptr);
  if (ec != std::errc() || !whole) return std::nullopt;
  return v;
}

std::string ColumnWhere(const std::string& column) {
  return "column " + QuotedForMessage(column);
}

Result<float> FeatureValue(const CsvRows& rows, const std::string& column,
                           const std::string& cell) {
  std::optional<double> v = CellNumber(cell);
  if (!v)
    return rows.Error(ColumnWhere(column) + ": " + QuotedForMessage(cell) +
                      " is not a number");
  if (std::isnan(*v)) return kMissing;
  if (std::fabs(*v) > std::numeric_limits<float>::max()) {
    return rows.Error(ColumnWhere(column) + ": " + QuotedForMessage(cell) +
                      " is infinite or outside the 32-bit float range");
  }
  return static_cast<float>(*v);
}

Result<float> LabelValue(const CsvRows& rows, const MatrixRequest& request,
                         const std::string& cell) {
  std::string where = "label " + ColumnWhere(request.label) + ": ";
  std::optional<double> v = CellNumber(cell);
  if (!v) return rows.Error(where + QuotedForMessage(cell) + " is not a number");
  if (std::isnan(*v)) return rows.Error(where + "the label is missing");
  if (std::fabs(*v) > std::numeric_limits<float>::max()) {
    return rows.Error(where + QuotedForMessage(cell) +
                      " is infinite or outside the 32-bit float range");
  }
  if (request.check_label) {
    std::string why = request.check_label(*v);
    if (!why.empty()) return rows.Error(where + QuotedForMessage(cell) + ": " + why);
  }
  return static_cast<float>(*v);
}

// Positions of the label (-1 when none) and the features in the header.
struct Layout {
  int64_t label = -1;
  std::vector<size_t> features;
};

Result<Layout> Resolve(const std::vector<std::string>& header,
                       const MatrixRequest& request, FeatureMatrix* out) {
  auto position = [&](const std::string& name) -> Result<size_t> {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      return InvalidArgument(request.path + ": there is no " + ColumnWhere(name) +
                             " in the header");
    }
    return static_cast<size_t>(it - header.begin());
  };
  Layout layout;
  if (!request.label.empty()) {
    ASSIGN_OR_RETURN(size_t at, position(request.label));
    layout.label = static_cast<int64_t>(at);
  }
  out->features = request.features;
  if (out->features.empty()) {
    for (const std::string& name : header) {
      if (name != request.label) out->features.push_back(name);
    }
  }
  if (out->features.empty())
    return InvalidArgument(request.path + ": there are no feature columns");
  for (const std::string& name : out->features) {
    if (name == request.label) {
      return InvalidArgument(request.path + ": " + ColumnWhere(name) +
                             " is the label, not a feature");
    }
    ASSIGN_OR_RETURN(size_t at, position(name));
    layout.features.push_back(at);
  }
  return layout;
}

Status ReadRow(const CsvRows& rows, const MatrixRequest& request, const Layout& layout,
               const std::vector<std::string>& header,
               const std::vector<std::string>& cells, FeatureMatrix* out) {
  if (cells.size() != header.size()) {
    return rows.Error(std::to_string(cells.size()) + " cells, the header has " +
                      std::to_string(header.size()));
  }
  int64_t width = static_cast<int64_t>(layout.features.size());
  if ((out->rows + 1) * width > request.max_cells) {
    return rows.Error("the data has more than " + std::to_string(request.max_cells) +
                      " feature values (rows x features), the most this step reads");
  }
  for (size_t c : layout.features) {
    ASSIGN_OR_RETURN(float v, FeatureValue(rows, header[c], cells[c]));
    out->values.push_back(v);
  }
  if (layout.label >= 0) {
    ASSIGN_OR_RETURN(float y,
                     LabelValue(rows, request, cells[static_cast<size_t>(layout.label)]));
    out->labels.push_back(y);
  }
  ++out->rows;
  return Status::Ok();
}

}  // namespace

std::vector<float> FeatureMatrix::Rows(const std::vector<int64_t>& indexes) const {
  size_t width = features.size();
  std::vector<float> out;
  out.reserve(indexes.size() * width);
  for (int64_t r : indexes) {
    auto begin =
        values.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(r) * width);
    out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(width));
  }
  return out;
}

std::vector<float> FeatureMatrix::Labels(const std::vector<int64_t>& indexes) const {
  std::vector<float> out;
  out.reserve(indexes.size());
  for (int64_t r : indexes) out.push_back(labels[static_cast<size_t>(r)]);
  return out;
}

Result<std::vector<std::string>> ReadCsvHeader(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<CsvRows> rows, Open(path));
  return Header(*rows);
}

Result<FeatureMatrix> ReadFeatureMatrix(const MatrixRequest& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<CsvRows> rows, Open(request.path));
  ASSIGN_OR_RETURN(std::vector<std::string> header, Header(*rows));
  FeatureMatrix out;
  ASSIGN_OR_RETURN(Layout layout, Resolve(header, request, &out));
  std::vector<std::string> cells;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, rows->Next(&cells));
    if (!more) break;
    RETURN_IF_ERROR(ReadRow(*rows, request, layout, header, cells, &out));
  }
  if (out.rows == 0) return InvalidArgument(request.path + ": the file has no data rows");
  return out;
}

}  // namespace ferry::pipelines::steps
