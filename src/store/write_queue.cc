#include "store/write_queue.h"

#include <exception>

namespace ferry::store {


WriteQueue::WriteQueue(std::unique_ptr<SqlConnection> conn,
                       std::string begin_sql, size_t max_group)
    : conn_(std::move(conn)), begin_sql_(std::move(begin_sql)), max_group_(max_group) {
  thread_ = std::thread([this] { Loop(); });
}

WriteQueue::~WriteQueue() { Close(); }

Status WriteQueue::Submit(const ConnectionFn& fn) {
  std::future<Status> result;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Unavailable("the metadata store is shutting down");
    queue_.push_back(Job{&fn, {}});
    result = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return result.get();
}

void WriteQueue::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_ && !thread_.joinable()) return;
    closed_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void WriteQueue::Loop() {
  for (;;) {
    std::deque<Job> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closed and drained
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(group);
  }
}

Status WriteQueue::RunOne(const ConnectionFn& fn) {
  RETURN_IF_ERROR(conn_->ExecuteScript("SAVEPOINT ferry_job"));
  Status st;
  try {
    st = fn(*conn_);
  } catch (const std::exception& e) {
    st = Internal(std::string("write failed: ") + e.what());
  }
  // A RELEASE that fails (PostgreSQL refuses it after an ignored statement
  // error) is a failed job: undo it alone so the rest of the group commits.
  if (st.ok()) st = conn_->ExecuteScript("RELEASE SAVEPOINT ferry_job");
  if (st.ok()) return st;
  Status undo = conn_->ExecuteScript(
      "ROLLBACK TO SAVEPOINT ferry_job; RELEASE SAVEPOINT ferry_job");
  return undo.ok() ? st : undo;
}

void WriteQueue::RunGroup(std::deque<Job>& group) {
  Status begun = conn_->ExecuteScript(begin_sql_);
  if (!begun.ok()) {
    for (auto& job : group) job.done.set_value(begun);
    return;
  }
  std::vector<Status> results;
  results.reserve(group.size());
  for (auto& job : group) results.push_back(RunOne(*job.fn));
  Status committed = conn_->ExecuteScript("COMMIT");
  if (!committed.ok()) {
    (void)conn_->ExecuteScript("ROLLBACK");
    for (auto& job : group) job.done.set_value(committed);
    return;
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i].done.set_value(results[i]);
  }
}

}  // namespace ferry::store
