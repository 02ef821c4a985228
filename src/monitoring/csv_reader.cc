#include "monitoring/csv_reader.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "monitoring/column_builder.h"

namespace ferry::monitoring {

namespace {

constexpr size_t kSniffRows = 1000;
constexpr size_t kMinParallelBytes = 1 << 20;

// Reads one row of cells at a time from a slice of the file.
class RowReader {
 public:
  explicit RowReader(std::string_view text) : text_(text) {}

  // The next row's cells; false at the end of the text. Blank lines are
  // skipped, as pandas does.
  Result<bool> Next(std::vector<Cell>* cells) {
    while (pos_ < text_.size()) {
      cells->clear();
      ++line_;
      RETURN_IF_ERROR(ReadRow(cells));
      if (cells->size() == 1 && !(*cells)[0].quoted && (*cells)[0].text.empty()) continue;
      return true;
    }
    return false;
  }
  // Lines consumed so far (the 1-based line of the last row read, relative to
  // the slice, counting the lines inside quoted cells).
  size_t line() const { return line_; }

 private:
  Status ReadRow(std::vector<Cell>* cells) {
    for (;;) {
      Cell cell;
      RETURN_IF_ERROR(pos_ < text_.size() && text_[pos_] == '"' ? ReadQuoted(&cell)
                                                                 : ReadPlain(&cell));
      cells->push_back(cell);
      if (pos_ >= text_.size()) return Status::Ok();
      char c = text_[pos_++];
      if (c == ',') continue;
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      return Status::Ok();
    }
  }

  Status ReadPlain(Cell* cell) {
    size_t end = pos_;
    while (end < text_.size() && text_[end] != ',' && text_[end] != '\n' && text_[end] != '\r') ++end;
    cell->text = text_.substr(pos_, end - pos_);
    pos_ = end;
    return Status::Ok();
  }

  Status ReadQuoted(Cell* cell) {
    cell->quoted = true;
    size_t start = ++pos_;
    for (;;) {
      size_t q = text_.find('"', pos_);
      if (q == std::string_view::npos) return Error("a quoted cell is never closed");
      line_ += std::count(text_.begin() + pos_, text_.begin() + q, '\n');
      if (q + 1 < text_.size() && text_[q + 1] == '"') {
        cell->escaped = true;
        pos_ = q + 2;
        continue;
      }
      cell->text = text_.substr(start, q - start);
      pos_ = q + 1;
      break;
    }
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
      return Error("text follows a closing quote");
    }
    return Status::Ok();
  }

  Status Error(const std::string& what) const {
    return InvalidArgument("line " + std::to_string(line_) + ": " + what);
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 0;
};

// The first line end at or after `from` that is outside quotes. A quote
// count with even parity means outside: RFC 4180 escapes a quote as "",
// which keeps the parity. `quotes` carries the count up to `*scanned`.
size_t LineEndAfter(std::string_view body, size_t from, size_t* scanned, size_t* quotes) {
  for (;;) {
    size_t nl = body.find('\n', std::max(from, *scanned));
    if (nl == std::string_view::npos) return body.size();
    *quotes += std::count(body.begin() + *scanned, body.begin() + nl, '"');
    *scanned = nl;
    if (*quotes % 2 == 0) return nl + 1;
    from = nl + 1;
  }
}

// Splits the body into slices of whole rows for parallel parsing.
std::vector<std::string_view> Slices(std::string_view body, int threads) {
  if (threads <= 1 || body.size() < kMinParallelBytes) return {body};
  std::vector<std::string_view> slices;
  size_t start = 0, scanned = 0, quotes = 0;
  for (int i = 1; i <= threads && start < body.size(); ++i) {
    size_t end = body.size();
    if (i < threads) end = LineEndAfter(body, std::max(start, body.size() * i / threads), &scanned, &quotes);
    slices.push_back(body.substr(start, end - start));
    start = end;
  }
  return slices;
}

struct SliceResult {
  std::vector<ColumnBuilder> builders;
  Status status;
  size_t lines = 0;
};

Status ParseSlice(std::string_view slice, size_t width, SliceResult* out) {
  RowReader reader(slice);
  std::vector<Cell> cells;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&cells));
    out->lines = reader.line();
    if (!more) return Status::Ok();
    if (cells.size() != width) {
      return InvalidArgument("line " + std::to_string(reader.line()) + ": " +
                             std::to_string(cells.size()) + " cells, the header has " +
                             std::to_string(width));
    }
    for (size_t c = 0; c < width; ++c) out->builders[c].Add(cells[c]);
  }
}

// Line numbers in errors from later slices count the lines before them.
Status WithLineOffset(const Status& status, size_t offset) {
  const std::string& msg = status.message();
  if (offset == 0 || msg.rfind("line ", 0) != 0) return status;
  size_t colon = msg.find(':');
  size_t line = std::strtoull(msg.c_str() + 5, nullptr, 10) + offset;
  return InvalidArgument("line " + std::to_string(line) + msg.substr(colon));
}

struct Header {
  std::vector<std::string> names;
  std::string_view body;
};

Result<Header> ReadHeader(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  RowReader reader(text);
  std::vector<Cell> cells;
  ASSIGN_OR_RETURN(bool any, reader.Next(&cells));
  if (!any) return InvalidArgument("the CSV is empty: a header row is required");
  Header header;
  for (const Cell& cell : cells) {
    std::string name = CellText(cell);
    if (name.empty()) return InvalidArgument("line 1: a column has an empty name");
    if (std::find(header.names.begin(), header.names.end(), name) != header.names.end()) {
      return InvalidArgument("line 1: column '" + name + "' appears twice");
    }
    header.names.push_back(std::move(name));
  }
  size_t consumed = 0;
  for (size_t lines = 0; consumed < text.size() && lines < reader.line(); ++consumed) {
    if (text[consumed] == '\n') ++lines;
  }
  header.body = text.substr(consumed);
  return header;
}

// Whether each column should be read as numbers: by the schema, or when the
// first rows hold nothing but numbers and missing cells.
std::vector<bool> NumericColumns(const Header& header, const CsvOptions& options) {
  std::vector<bool> numeric(header.names.size(), true);
  RowReader reader(header.body);
  std::vector<Cell> cells;
  for (size_t row = 0; row < kSniffRows; ++row) {
    Result<bool> more = reader.Next(&cells);
    if (!more.ok() || !*more || cells.size() != numeric.size()) break;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (numeric[c] && !LooksNumeric(cells[c])) numeric[c] = false;
    }
  }
  for (size_t c = 0; c < numeric.size(); ++c) {
    const Column* known = options.schema ? options.schema->Find(header.names[c]) : nullptr;
    if (known) numeric[c] = known->kind == ColumnKind::kNumerical;
  }
  return numeric;
}

Result<std::vector<ColumnBuilder>> ParseBody(std::string_view body, const std::vector<bool>& numeric,
                                             int threads) {
  std::vector<std::string_view> slices = Slices(body, threads);
  std::vector<SliceResult> results(slices.size());
  for (SliceResult& r : results) {
    for (bool n : numeric) r.builders.emplace_back(n);
  }
  std::vector<std::thread> workers;
  for (size_t i = 1; i < slices.size(); ++i) {
    workers.emplace_back([&, i] { results[i].status = ParseSlice(slices[i], numeric.size(), &results[i]); });
  }
  results[0].status = ParseSlice(slices[0], numeric.size(), &results[0]);
  for (std::thread& t : workers) t.join();
  size_t line_offset = 1;  // the header
  for (SliceResult& r : results) {
    if (!r.status.ok()) return WithLineOffset(r.status, line_offset);
    line_offset += r.lines;
  }
  for (size_t i = 1; i < results.size(); ++i) {
    for (size_t c = 0; c < numeric.size(); ++c) results[0].builders[c].Append(std::move(results[i].builders[c]));
  }
  return std::move(results[0].builders);
}

}  // namespace

bool IsMissingToken(std::string_view cell) {
  static constexpr std::array<std::string_view, 19> kTokens = {
      "",     "NA",   "N/A",  "n/a", "NaN", "nan", "-NaN", "-nan",     "NULL",    "null",
      "None", "<NA>", "#N/A", "#NA", "NAN", "#N/A N/A", "-1.#IND", "-1.#QNAN", "1.#QNAN"};
  if (cell.size() > 8) return false;
  return std::find(kTokens.begin(), kTokens.end(), cell) != kTokens.end();
}

Result<Table> ParseCsv(std::string_view text, const CsvOptions& options) {
  ASSIGN_OR_RETURN(Header header, ReadHeader(text));
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<bool> numeric = NumericColumns(header, options);
  ASSIGN_OR_RETURN(std::vector<ColumnBuilder> builders, ParseBody(header.body, numeric, threads));
  // A column the first rows showed as numeric but that holds words later is
  // read again as strings (pandas makes it an object column).
  bool reread = false;
  for (size_t c = 0; c < builders.size(); ++c) {
    bool forced = options.schema && options.schema->Find(header.names[c]);
    if (numeric[c] && !forced && builders[c].invalid() > 0) {
      numeric[c] = false;
      reread = true;
    }
  }
  if (reread) {
    ASSIGN_OR_RETURN(builders, ParseBody(header.body, numeric, threads));
  }
  Table table;
  for (size_t c = 0; c < builders.size(); ++c) {
    const Column* known = options.schema ? options.schema->Find(header.names[c]) : nullptr;
    table.columns.push_back(std::move(builders[c]).Finish(header.names[c], known ? &known->kind : nullptr));
  }
  table.rows = table.columns.empty() ? 0 : table.columns[0].rows;
  return table;
}

Result<Table> ReadCsvFile(const std::string& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgument("cannot read '" + path + "'");
  std::string text;
  in.seekg(0, std::ios::end);
  text.resize(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return InvalidArgument("cannot read '" + path + "'");
  Result<Table> table = ParseCsv(text, options);
  if (!table.ok()) return InvalidArgument(path + ": " + table.status().message());
  return table;
}

}  // namespace ferry::monitoring
