#include "store/write_queue.h"

#include <exception>
#include <vector>

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

Status WriteQueue::Call(const ConnectionFn& fn) {
  try {
    return fn(*conn_);
  } catch (const std::exception& e) {
    return Internal(std::string("write failed: ") + e.what());
  }
}

Status WriteQueue::RunIsolated(const ConnectionFn& fn) {
  RETURN_IF_ERROR(conn_->ExecuteScript("SAVEPOINT ferry_job"));
  Status st = Call(fn);
  // A RELEASE that fails (PostgreSQL refuses it after an ignored statement
  // error) is a failed job: undo it alone so the rest of the group commits.
  if (st.ok()) st = conn_->ExecuteScript("RELEASE SAVEPOINT ferry_job");
  if (st.ok()) return st;
  Status undo = conn_->ExecuteScript(
      "ROLLBACK TO SAVEPOINT ferry_job; RELEASE SAVEPOINT ferry_job");
  return undo.ok() ? st : undo;
}

// Jobs run without savepoints first (two statements, i.e. two round trips
// to PostgreSQL, fewer per job). When a job fails, or the COMMIT does (as
// PostgreSQL's does after a job swallowed a statement error), the
// transaction is rolled back and the group run again with a savepoint
// around each job. A lost connection (kUnavailable) is not retried: the
// COMMIT may have landed.
void WriteQueue::RunGroup(std::deque<Job>& group) {
  auto finish = [&](const std::vector<Status>& results) {
    for (size_t i = 0; i < group.size(); ++i) group[i].done.set_value(results[i]);
  };
  auto fail_all = [&](const Status& st) {
    (void)conn_->ExecuteScript("ROLLBACK");
    finish(std::vector<Status>(group.size(), st));
  };
  Status st = conn_->ExecuteScript(begin_sql_);
  if (!st.ok()) return fail_all(st);
  size_t failed = 0;
  for (; failed < group.size(); ++failed) {
    st = Call(*group[failed].fn);
    if (!st.ok()) break;
  }
  if (failed == group.size()) {
    st = conn_->ExecuteScript("COMMIT");
    if (st.ok()) return finish(std::vector<Status>(group.size(), Status::Ok()));
    if (st.code() == StatusCode::kUnavailable) return fail_all(st);
  }
  (void)conn_->ExecuteScript("ROLLBACK");
  std::vector<Status> results(group.size());
  if (group.size() == 1 && failed == 0) {
    results[0] = st;
    return finish(results);
  }
  st = conn_->ExecuteScript(begin_sql_);
  if (!st.ok()) return fail_all(st);
  for (size_t i = 0; i < group.size(); ++i) results[i] = RunIsolated(*group[i].fn);
  st = conn_->ExecuteScript("COMMIT");
  if (!st.ok()) return fail_all(st);
  finish(results);
}

}  // namespace ferry::store
