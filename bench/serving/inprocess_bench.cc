// The in-process limit for Ferry's serving overhead: Ferry's own backend
// (serving::Model::Predict) and runner (checks + batcher + Predict) called
// directly, no network, on the model package in BENCH_PACKAGE (an MLflow
// model directory). Built when Google Benchmark is installed:
//   build/release/bench/serving/ferry_serving_bench --benchmark_format=json
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>

#include "serving/model.h"
#include "serving/runner.h"

namespace {

using ferry::serving::ModelPackage;
using ferry::serving::Tensor;

const ModelPackage& Package() {
  static const ModelPackage package = [] {
    const char* dir = std::getenv("BENCH_PACKAGE");
    auto pkg = ferry::serving::ReadModelPackage(dir ? dir : ".");
    if (!pkg.ok()) {
      std::fprintf(stderr, "BENCH_PACKAGE: %s\n", pkg.status().ToString().c_str());
      std::exit(2);
    }
    return *pkg;
  }();
  return package;
}

std::vector<Tensor> Rows(const ferry::serving::ModelIo& io, int64_t rows) {
  std::vector<Tensor> inputs = ferry::serving::ZeroRequest(io, rows);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0, 1);
  for (Tensor& t : inputs) {
    if (t.datatype != ferry::serving::DataType::kFp32) continue;
    auto* f = reinterpret_cast<float*>(t.data.data());
    for (int64_t i = 0; i < t.ElementCount(); ++i) f[i] = u(rng);
  }
  return inputs;
}

void BM_ModelPredict(benchmark::State& state) {
  auto model = ferry::serving::LoadModel(Package());
  if (!model.ok()) return state.SkipWithError(model.status().ToString().c_str());
  auto inputs = Rows((*model)->io(), state.range(0));
  for (auto _ : state) {
    auto out = (*model)->Predict(inputs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_ModelPredict)->Arg(1)->Arg(64)->UseRealTime();

void BM_RunnerInfer(benchmark::State& state) {
  auto runner = ferry::serving::Runner::Load(Package(), {});
  if (!runner.ok()) return state.SkipWithError(runner.status().ToString().c_str());
  auto inputs = Rows((*runner)->io(), state.range(0));
  for (auto _ : state) {
    auto out = (*runner)->InferSync(inputs);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_RunnerInfer)->Arg(1)->Arg(64)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
