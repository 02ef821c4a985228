#include "serving/batcher.h"

#include <algorithm>

namespace ferry::serving {

using SteadyClock = std::chrono::steady_clock;

Batcher::Batcher(BatchOptions options, RunFn run, ObserveFn observe)
    : options_(options), run_(std::move(run)), observe_(std::move(observe)) {
  int n = std::max(1, options_.instances);
  instances_ = static_cast<size_t>(n);
  for (int i = n - 1; i >= 0; --i) idle_.push_back(i);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
}

Batcher::~Batcher() { Stop(); }

Status Batcher::Submit(std::vector<Tensor> inputs, Done done) {
  int64_t rows = inputs.empty() ? 0 : inputs[0].Rows();
  {
    std::unique_lock lock(mu_);
    if (stopping_) return Unavailable("the model version is being unloaded");
    if (options_.run_inline && queue_.empty() && idle_.size() == instances_) {
      int instance = idle_.back();
      idle_.pop_back();
      lock.unlock();
      RunInline(instance, {std::move(inputs), rows, std::move(done), SteadyClock::now()});
      return Status::Ok();
    }
    if (static_cast<int>(queue_.size()) >= options_.max_queue) {
      return Status(StatusCode::kResourceExhausted,
                    "the model's queue is full (" + std::to_string(options_.max_queue) +
                        " requests); retry later");
    }
    queue_.push_back({std::move(inputs), rows, std::move(done), SteadyClock::now()});
    queued_rows_ += rows;
  }
  // All: the thread filling a batch must hear of it, not only an idle one.
  cv_.notify_all();
  return Status::Ok();
}

void Batcher::Stop() {
  std::lock_guard stop_lock(stop_mu_);  // one joiner at a time
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

size_t Batcher::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Batcher::RunInline(int instance, Pending pending) {
  std::vector<Pending> batch;
  batch.push_back(std::move(pending));
  RunBatch(instance, batch);
  {
    std::lock_guard lock(mu_);
    idle_.push_back(instance);
  }
  cv_.notify_all();  // requests that queued meanwhile need this instance
}

void Batcher::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] {
      return (!queue_.empty() && !forming_ && !idle_.empty()) || (stopping_ && queue_.empty());
    });
    if (queue_.empty()) return;  // stopping and drained
    int instance = idle_.back();
    idle_.pop_back();
    std::vector<Pending> batch = TakeBatch(lock);
    cv_.notify_all();  // another thread may form the next batch
    lock.unlock();
    RunBatch(instance, batch);
    lock.lock();
    idle_.push_back(instance);
  }
}

// Called with the lock held and the queue non-empty. Waits (at most the
// delay after the oldest request arrived) for a full batch, then takes it.
std::vector<Batcher::Pending> Batcher::TakeBatch(std::unique_lock<std::mutex>& lock) {
  if (options_.max_queue_delay_us > 0) {
    forming_ = true;
    auto deadline = queue_.front().arrived + std::chrono::microseconds(options_.max_queue_delay_us);
    cv_.wait_until(lock, deadline, [&] {
      return stopping_ || queued_rows_ >= options_.max_batch_size;
    });
    forming_ = false;
  }
  std::vector<Pending> batch;
  int64_t rows = 0;
  while (!queue_.empty()) {
    int64_t next = queue_.front().rows;
    if (!batch.empty() && rows + next > options_.max_batch_size) break;
    rows += next;
    queued_rows_ -= next;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void Batcher::RunBatch(int instance, std::vector<Pending>& batch) {
  auto start = SteadyClock::now();
  std::vector<int64_t> rows;
  rows.reserve(batch.size());
  for (const Pending& p : batch) rows.push_back(p.rows);

  Outputs outputs = [&]() -> Outputs {
    if (batch.size() == 1) return run_(instance, batch[0].inputs);
    std::vector<Tensor> merged;
    std::vector<const Tensor*> parts(batch.size());
    for (size_t i = 0; i < batch[0].inputs.size(); ++i) {
      for (size_t b = 0; b < batch.size(); ++b) parts[b] = &batch[b].inputs[i];
      ASSIGN_OR_RETURN(Tensor t, Concat(parts));
      merged.push_back(std::move(t));
    }
    return run_(instance, merged);
  }();
  auto end = SteadyClock::now();

  // Split each output back into per-request pieces.
  std::vector<std::vector<Tensor>> answers(batch.size());
  Status failed = outputs.status();
  if (outputs.ok() && batch.size() > 1) {
    for (const Tensor& out : *outputs) {
      auto pieces = Split(out, rows);
      if (!pieces.ok()) {
        failed = pieces.status();
        break;
      }
      for (size_t b = 0; b < batch.size(); ++b) answers[b].push_back(std::move((*pieces)[b]));
    }
  } else if (outputs.ok()) {
    answers[0] = std::move(*outputs);
  }
  if (observe_) {
    int64_t total = 0;
    for (int64_t r : rows) total += r;
    observe_({total, static_cast<int>(batch.size()),
              std::chrono::duration<double>(end - start).count()});
  }
  for (size_t b = 0; b < batch.size(); ++b) {
    double queued = std::chrono::duration<double>(start - batch[b].arrived).count();
    if (failed.ok()) {
      batch[b].done(std::move(answers[b]), queued);
    } else {
      batch[b].done(failed, queued);
    }
  }
}

}  // namespace ferry::serving
