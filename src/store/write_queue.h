// WriteQueue: group commit over one dedicated write connection.
//
// Writers enqueue a function and block until it is committed. A single
// writer thread takes every queued function (up to a limit), runs them in
// one transaction and commits once: one fsync covers the whole group. When
// a function fails, the transaction is rolled back and the group is run
// again with each function inside its own SAVEPOINT, so a failing function
// undoes only its own writes. Functions must therefore be re-runnable: they
// act only through the connection.
//
// Thread safety: Submit is thread-safe. The connection is used only by the
// writer thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/database.h"

namespace ferry::store {

class WriteQueue {
 public:
  // `begin_sql` opens a write transaction ("BEGIN IMMEDIATE" on SQLite).
  // `max_group` bounds the jobs (savepoints) per transaction: PostgreSQL
  // slows down past 64 subtransactions in one transaction.
  WriteQueue(std::unique_ptr<SqlConnection> conn, std::string begin_sql,
             size_t max_group);
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  Status Submit(const ConnectionFn& fn);
  // Drains the queue and stops the writer thread. Idempotent.
  void Close();

 private:
  struct Job {
    const ConnectionFn* fn;
    std::promise<Status> done;
  };
  void Loop();
  void RunGroup(std::deque<Job>& group);
  Status Call(const ConnectionFn& fn);
  Status RunIsolated(const ConnectionFn& fn);

  std::unique_ptr<SqlConnection> conn_;  // writer thread only
  const std::string begin_sql_;
  const size_t max_group_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool closed_ = false;    // guarded by mu_
  std::thread thread_;
};

}  // namespace ferry::store
