// Monitoring ingestion in process: the payload log's JSON lines, as serving's
// own PayloadLog writes them, parsed and profiled into hourly windows
// (monitoring::ProfileRecords) with a reference's kinds and bin edges.
// Records carry 50 numerical features as one [n, 50] FP32 tensor, 10
// categorical BYTES columns and a prediction. Reports rows/s.
//   build/release/bench/monitoring/ferry_monitoring_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/clock.h"
#include "monitoring/csv_reader.h"
#include "monitoring/ingest.h"
#include "monitoring/payload_records.h"
#include "monitoring/profile.h"
#include "serving/payload_log.h"
#include "store/database.h"

namespace {

namespace fs = std::filesystem;
using ferry::serving::DataType;
using ferry::serving::Tensor;

constexpr int kFeatures = 50, kCategories = 10;

Tensor Features(std::mt19937& rng, int rows) {
  Tensor t{"features", DataType::kFp32, {rows, kFeatures}, {}};
  std::normal_distribution<float> normal;
  for (int i = 0; i < rows * kFeatures; ++i) ferry::serving::AppendRaw(t.data, normal(rng));
  return t;
}

Tensor Category(std::mt19937& rng, int column, int rows) {
  Tensor t{"c" + std::to_string(column), DataType::kBytes, {rows}, {}};
  for (int r = 0; r < rows; ++r) {
    std::string v = "v" + std::to_string(rng() % (5 + 5 * column));
    ferry::serving::AppendRaw(t.data, static_cast<uint32_t>(v.size()));
    t.data += v;
  }
  return t;
}

fs::path LogDir(int records, int rows) {
  return fs::temp_directory_path() /
         ("ferry-ingest-bench-" + std::to_string(records) + "x" + std::to_string(rows));
}

// `records` records of `rows` rows, written by serving::PayloadLog into
// LogDir(records, rows); returns the text of its files.
std::string PayloadText(int records, int rows) {
  fs::path dir = LogDir(records, rows);
  fs::remove_all(dir);
  {
    ferry::serving::PayloadLog log(dir.string(), records + 1);
    std::mt19937 rng(7);
    for (int i = 0; i < records; ++i) {
      std::vector<Tensor> inputs = {Features(rng, rows)};
      for (int c = 0; c < kCategories; ++c) inputs.push_back(Category(rng, c, rows));
      Tensor out{"predict", DataType::kFp32, {rows}, {}};
      for (int r = 0; r < rows; ++r) ferry::serving::AppendRaw(out.data, 0.5f);
      log.TryPush({"id" + std::to_string(i), 1'800'000'000'000 + i, "bench", "model", 1, "primary",
                   std::move(inputs), {std::move(out)}});
    }
    log.Flush();
  }
  std::string text;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path());
    std::stringstream s;
    s << in.rdbuf();
    text += s.str();
  }
  return text;
}

// A reference with the features' names, kinds and Sturges edges.
ferry::monitoring::Profile Reference() {
  std::ostringstream csv;
  for (int f = 0; f < kFeatures; ++f) csv << (f ? "," : "") << "x" << f;
  for (int c = 0; c < kCategories; ++c) csv << ",c" << c;
  csv << "\n";
  std::mt19937 rng(3);
  std::normal_distribution<double> normal;
  for (int r = 0; r < 5000; ++r) {
    for (int f = 0; f < kFeatures; ++f) csv << (f ? "," : "") << normal(rng);
    for (int c = 0; c < kCategories; ++c) csv << ",v" << rng() % (5 + 5 * c);
    csv << "\n";
  }
  auto table = ferry::monitoring::ParseCsv(csv.str());
  return ferry::monitoring::ProfileOf(*table);
}

void BM_ProfileRecords(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const int records = static_cast<int>(200'000 / rows);
  static std::map<int, std::string> texts;
  std::string& text = texts[rows];
  if (text.empty()) text = PayloadText(records, rows);
  static const ferry::monitoring::Profile reference = Reference();
  ferry::monitoring::ReferenceLookup lookup = [](const std::string&, int64_t) { return &reference; };
  uint64_t total_rows = 0;
  for (auto _ : state) {
    ferry::monitoring::IngestStats stats;
    int threads = static_cast<int>(state.range(1));
    auto windows = threads == 1 ? ferry::monitoring::ProfileRecords(text, lookup, &stats)
                                : ferry::monitoring::ProfileRecordsParallel(text, lookup, &stats, threads);
    benchmark::DoNotOptimize(windows);
    total_rows += stats.rows;
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(total_rows), benchmark::Counter::kIsRate);
  state.counters["MB_per_s"] = benchmark::Counter(
      static_cast<double>(text.size()) * static_cast<double>(state.iterations()) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ProfileRecords)->ArgsProduct({{1, 10, 100}, {1, 2}})->ArgNames({"rows", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();

// End to end: the log files read from disk, profiled and stored (SQLite)
// with their cursors by the server's ingester.
void BM_IngestLogIntoSqlite(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  const int records = static_cast<int>(200'000 / rows);
  fs::path dir = LogDir(records, rows);
  if (!fs::exists(dir)) PayloadText(records, rows);
  static const ferry::monitoring::Profile reference = Reference();
  uint64_t total_rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::path db_path = fs::temp_directory_path() / "ferry-ingest-bench.db";
    fs::remove(db_path);
    auto db = ferry::store::OpenDatabase("sqlite://" + db_path.string());
    ferry::monitoring::MonitorStore store(**db, ferry::Clock::System());
    (void)store.PutReference("model", 1, reference, "");
    ferry::monitoring::PayloadIngester ingester(dir.string(), store);
    state.ResumeTiming();
    auto stats = ingester.RunOnce();
    if (!stats.ok()) {
      std::fprintf(stderr, "ingest: %s\n", stats.status().ToString().c_str());
      std::exit(1);
    }
    total_rows += stats->rows;
    state.PauseTiming();
    (*db)->Close();
    state.ResumeTiming();
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(total_rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IngestLogIntoSqlite)->Arg(1)->Arg(100)->ArgName("rows")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
