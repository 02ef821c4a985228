// `ferry predict`: batch scoring of a CSV file through the same backends as
// serving, on all cores, for nightly jobs. The model comes from the registry
// (--model fraud@champion: its package is downloaded from the server) or from
// a local MLflow model directory (--model-dir). Rows stream through in chunks;
// chunks run in parallel on the runner's instances and are written in input
// order: each input line followed by the prediction column(s). The output is
// written to a temporary file and renamed only when every row was scored, so
// a failure never leaves a half-written result. Quoted fields are supported;
// a quoted field spanning lines is not.
#include <boost/tokenizer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/api_client.h"
#include "cli/package_fetch.h"
#include "serving/runner.h"
#include "serving/tensor_json.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using serving::DataType;
using serving::Tensor;

struct PredictFlags {
  std::string model, model_dir, input, output;
  int batch_rows = 4096;
  int threads = 0;
};

std::vector<std::string> SplitCsv(const std::string& line) {
  boost::tokenizer<boost::escaped_list_separator<char>> tokens(
      line, boost::escaped_list_separator<char>('\\', ',', '"'));
  return {tokens.begin(), tokens.end()};
}

// --- scoring ------------------------------------------------------------------

struct Chunk {
  std::vector<std::string> lines;
  Result<std::vector<Tensor>> outputs = Status(StatusCode::kUnavailable, "pending");
  bool done = false;
};

// Which CSV column feeds each model input; a [rows, n] tensor input takes
// every column, in order.
Result<std::vector<int>> ColumnsFor(const serving::ModelIo& io, const std::vector<std::string>& header) {
  std::vector<int> cols;
  if (io.inputs.size() == 1 && io.inputs[0].shape.size() == 2) return cols;  // all columns
  for (const auto& spec : io.inputs) {
    auto it = std::find(header.begin(), header.end(), spec.name);
    if (it == header.end()) {
      if (spec.required) return InvalidArgument("the CSV has no column '" + spec.name + "'");
      cols.push_back(-1);
    } else {
      cols.push_back(static_cast<int>(it - header.begin()));
    }
  }
  return cols;
}

Status AppendCell(const std::string& cell, DataType type, std::string& out, const std::string& where) {
  if (type == DataType::kBytes) return serving::AppendJsonValue(Json(cell), type, out, where);
  if (cell.empty()) return serving::AppendJsonValue(Json(nullptr), type, out, where);
  char* end = nullptr;
  double v = std::strtod(cell.c_str(), &end);
  if (end == cell.c_str() || *end != '\0') {
    return InvalidArgument(where + ": '" + cell.substr(0, 40) + "' is not a number");
  }
  return serving::AppendJsonValue(Json(v), type, out, where);
}

Result<std::vector<Tensor>> ChunkTensors(const serving::ModelIo& io, const std::vector<int>& cols,
                                         const std::vector<std::string>& lines, int64_t first_line) {
  auto rows = static_cast<int64_t>(lines.size());
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < io.inputs.size(); ++i) {
    const auto& spec = io.inputs[i];
    if (!cols.empty() && cols[i] < 0) continue;  // optional and absent
    inputs.push_back({spec.name, spec.datatype, {rows}, {}});
  }
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<std::string> cells = SplitCsv(lines[static_cast<size_t>(r)]);
    std::string where = "line " + std::to_string(first_line + r);
    if (cols.empty()) {  // one [rows, n] input from every column
      Tensor& t = inputs[0];
      if (r == 0) t.shape = {rows, static_cast<int64_t>(cells.size())};
      if (static_cast<int64_t>(cells.size()) != t.shape[1]) {
        return InvalidArgument(where + ": expected " + std::to_string(t.shape[1]) + " columns");
      }
      for (const auto& c : cells) RETURN_IF_ERROR(AppendCell(c, t.datatype, t.data, where));
      continue;
    }
    size_t k = 0;
    for (size_t i = 0; i < io.inputs.size(); ++i) {
      if (cols[i] < 0) continue;
      auto c = static_cast<size_t>(cols[i]);
      if (c >= cells.size()) return InvalidArgument(where + ": too few columns");
      RETURN_IF_ERROR(AppendCell(cells[c], inputs[k].datatype, inputs[k].data,
                                 where + ", column '" + io.inputs[i].name + "'"));
      ++k;
    }
  }
  return inputs;
}

// Values per row of an output: 1 for [rows], n for [rows, n].
int64_t RowWidth(const Tensor& t) {
  return t.shape.size() > 1 ? t.ElementCount() / std::max<int64_t>(t.Rows(), 1) : 1;
}

std::string OutputHeader(const std::vector<Tensor>& outputs) {
  std::string h;
  for (const Tensor& t : outputs) {
    int64_t width = RowWidth(t);
    for (int64_t k = 0; k < width; ++k) {
      h += "," + t.name + (width > 1 ? "_" + std::to_string(k) : "");
    }
  }
  return h;
}

void WriteChunk(std::ostream& out, const Chunk& chunk) {
  const auto& outputs = *chunk.outputs;
  std::vector<Json> values;  // each output's elements, rendered once per chunk
  for (const Tensor& t : outputs) values.push_back(serving::TensorDataToJson(t, false));
  for (size_t r = 0; r < chunk.lines.size(); ++r) {
    out << chunk.lines[r];
    for (size_t o = 0; o < outputs.size(); ++o) {
      int64_t width = RowWidth(outputs[o]);
      for (int64_t k = 0; k < width; ++k) {
        const Json& v = values[o][static_cast<size_t>(static_cast<int64_t>(r) * width + k)];
        out << ',' << (v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump());
      }
    }
    out << '\n';
  }
}

Status Score(const PredictFlags& f, const std::string& package_dir) {
  ASSIGN_OR_RETURN(serving::ModelPackage pkg, serving::ReadModelPackage(package_dir));
  int threads = f.threads > 0 ? f.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  serving::BatchOptions options{.max_batch_size = f.batch_rows, .max_queue_delay_us = 0,
                                .instances = threads, .max_queue = threads * 4};
  ASSIGN_OR_RETURN(auto runner, serving::Runner::Load(pkg, options));
  std::ifstream in(f.input);
  if (!in) return InvalidArgument("cannot read " + f.input);
  std::string header_line;
  if (!std::getline(in, header_line)) return InvalidArgument(f.input + " is empty");
  if (!header_line.empty() && header_line.back() == '\r') header_line.pop_back();
  ASSIGN_OR_RETURN(std::vector<int> cols, ColumnsFor(runner->io(), SplitCsv(header_line)));
  std::string tmp = f.output + ".partial";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return InvalidArgument("cannot write " + tmp);

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Chunk>> in_flight;
  bool header_written = false;
  int64_t rows = 0, line_no = 2;
  auto start = std::chrono::steady_clock::now();
  // Writes finished chunks at the head of the line, in input order.
  auto drain = [&](size_t keep) -> Status {
    std::unique_lock lock(mu);
    while (in_flight.size() > keep) {
      cv.wait(lock, [&] { return in_flight.front()->done; });
      auto chunk = in_flight.front();
      in_flight.pop_front();
      if (!chunk->outputs.ok()) return chunk->outputs.status();
      if (!header_written) {
        out << header_line << OutputHeader(*chunk->outputs) << '\n';
        header_written = true;
      }
      WriteChunk(out, *chunk);
      rows += static_cast<int64_t>(chunk->lines.size());
    }
    return Status::Ok();
  };
  Status st;
  for (bool more = true; more && st.ok();) {
    auto chunk = std::make_shared<Chunk>();
    std::string line;
    while (static_cast<int>(chunk->lines.size()) < f.batch_rows && (more = static_cast<bool>(std::getline(in, line)))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) chunk->lines.push_back(std::move(line));
    }
    if (chunk->lines.empty()) break;
    auto inputs = ChunkTensors(runner->io(), cols, chunk->lines, line_no);
    line_no += static_cast<int64_t>(chunk->lines.size());
    if (!inputs.ok()) {
      st = inputs.status();
      break;
    }
    {
      std::lock_guard lock(mu);
      in_flight.push_back(chunk);
    }
    st = runner->Infer(*std::move(inputs), [&, chunk](serving::Batcher::Outputs o, double) {
      std::lock_guard lock(mu);
      chunk->outputs = std::move(o);
      chunk->done = true;
      cv.notify_all();
    });
    if (!st.ok()) break;
    st = drain(static_cast<size_t>(threads) * 2);
  }
  if (st.ok()) st = drain(0);
  runner->Stop();  // every queued chunk answers before locals go
  out.close();
  if (!st.ok()) {
    std::remove(tmp.c_str());
    return st;
  }
  fs::rename(tmp, f.output);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "scored " << rows << " rows in " << secs << " s (" << static_cast<int64_t>(rows / std::max(secs, 1e-9))
            << " rows/s) with " << threads << " instances -> " << f.output << "\n";
  return Status::Ok();
}

}  // namespace

void AddPredictCommand(CLI::App& app, std::shared_ptr<ClientFlags> flags, int& rc) {
  auto f = std::make_shared<PredictFlags>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "Score a CSV file with a registered model (batch scoring, all cores)");
  auto* model = cmd->add_option("--model", f->model, "Registry reference: fraud@champion, fraud/3");
  cmd->add_option("--model-dir", f->model_dir, "A local MLflow model directory instead")
      ->excludes(model);
  cmd->add_option("--input", f->input, "Input CSV with a header row")->required();
  cmd->add_option("--output", f->output, "Output CSV: the input columns + predictions")->required();
  cmd->add_option("--batch-rows", f->batch_rows, "Rows per model call")
      ->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--threads", f->threads, "Parallel model instances (default: all cores)");
  cmd->callback([flags, f, &rc] {
    if (f->model.empty() && f->model_dir.empty()) {
      std::cerr << "error: give --model or --model-dir\n";
      return void(rc = 2);
    }
    std::string dir = f->model_dir;
    fs::path tmp;
    if (dir.empty()) {
      tmp = fs::temp_directory_path() / ("ferry-predict-" + std::to_string(::getpid()));
      auto fetched = FetchModel(*flags, f->model, tmp);
      if (!fetched.ok()) {
        std::cerr << "error: " << fetched.status().message() << "\n";
        fs::remove_all(tmp);
        return void(rc = 1);
      }
      std::cerr << "model " << fetched->model << " version " << fetched->version << "\n";
      dir = fetched->package_dir;
    }
    Status st = Score(*f, dir);
    if (!tmp.empty()) fs::remove_all(tmp);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      rc = 1;
    }
  });
}

}  // namespace ferry::cli
