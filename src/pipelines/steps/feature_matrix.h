// Reading a CSV file into a dense float matrix for XGBoost: chosen feature
// columns, row-major, with an optional numeric label column.
//
// The CSV has a header row (names non-empty and distinct; a UTF-8 BOM is
// skipped), commas, RFC 4180 double quotes ("" for a quote, line breaks
// allowed inside quotes), LF or CRLF line ends; blank lines are skipped, as
// pandas does. Cells are trimmed of spaces and tabs. A missing cell (empty,
// NA, NaN, null, None ... — monitoring's IsMissingToken, pandas' defaults)
// becomes NaN, XGBoost's "missing". Other feature cells must be finite
// numbers that fit a 32-bit float; labels must be present and finite.
// Errors are InvalidArgument naming the file, the line where the row starts
// and the column.
//
// The file is streamed: it is never held whole in memory. Bounds, so a
// hostile file cannot exhaust memory: 100,000 columns, 16 MiB per row, and
// `max_cells` values in the matrix (default 2^28 floats, 1 GiB).
//
// Thread-safe (pure functions; each call reads its own file).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ferry::pipelines::steps {

inline constexpr int64_t kMaxMatrixCells = int64_t{1} << 28;

struct MatrixRequest {
  std::string path;
  std::string label;                  // empty: no label column is read
  std::vector<std::string> features;  // empty: every column but the label, in file order
  // Says why a (finite) label is not acceptable, or "" when it is.
  std::function<std::string(double)> check_label;
  int64_t max_cells = kMaxMatrixCells;
};

struct FeatureMatrix {
  std::vector<std::string> features;  // the columns of `values`, in order
  int64_t rows = 0;
  std::vector<float> values;  // rows x features.size(), row-major; NaN = missing
  std::vector<float> labels;  // one per row when a label column was read

  // The row-major values of the rows at `indexes`, in that order.
  std::vector<float> Rows(const std::vector<int64_t>& indexes) const;
  std::vector<float> Labels(const std::vector<int64_t>& indexes) const;
};

// The column names of the header row.
Result<std::vector<std::string>> ReadCsvHeader(const std::string& path);

// Reads the label and feature columns of every row. A column the request
// names that the header lacks is named in the error; so is a file with no
// data rows.
Result<FeatureMatrix> ReadFeatureMatrix(const MatrixRequest& request);

}  // namespace ferry::pipelines::steps
