// The only thread that talks to PostgreSQL. Owns one connection, a bounded queue of jobs in
// front of it, and the reconnect loop: while PostgreSQL is away, jobs wait in memory and are
// run when it is back, so no other thread ever blocks on the database. On every (re)connect it
// applies the embedded migrations first.
//
// Other threads call submit(), isReady() and stop(); jobs run on the worker thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mcu/store/migration.h"

namespace mcu::store {

// The database connection as jobs see it; defined in db_session.h, which only store code
// includes, so libpqxx stays inside mcu/store.
class DbSession;

struct DbWorkerConfig {
  std::string url;
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{10'000};
  std::chrono::milliseconds health_interval{1'000};
  std::size_t queue_limit = 100'000;
};

struct DbJob {
  std::string what;  // for the log when it fails
  std::function<void(DbSession&)> run;
};

struct DbWorkerCallbacks {
  std::function<void(int schema_version)> on_ready;           // first successful migration
  std::function<void(const std::string& reason)> on_refused;  // unknown migration etc.
};

class DbWorker {
 public:
  DbWorker(DbWorkerConfig config, std::vector<Migration> migrations, DbWorkerCallbacks callbacks);
  DbWorker(const DbWorker&) = delete;
  DbWorker& operator=(const DbWorker&) = delete;
  ~DbWorker();

  void start();
  // False when the queue is full: the caller counts and reports the loss.
  bool submit(DbJob job);
  // Someone waits for this one (a SIP caller, an HTTP request): it runs before the queued
  // writes, which nobody waits for. Urgent jobs keep their own order.
  bool submitUrgent(DbJob job);
  // Reachable and migrated, and a round trip (a job or a health check) succeeded recently: a
  // database that hangs (SIGSTOP) keeps its connection open, so "not lost" is not enough.
  bool isReady() const;
  std::size_t pendingJobs() const;
  std::size_t capacity() const { return config_.queue_limit; }
  std::uint64_t failedJobs() const { return failed_jobs_.load(); }
  // Runs what is queued until empty or the deadline; returns how many jobs were left unwritten.
  std::size_t stop(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  bool connectAndMigrate();
  void runJob(DbJob& job);
  void healthCheck();
  void waitFor(std::chrono::milliseconds delay);

  // Owned.
  DbWorkerConfig config_;
  std::vector<Migration> migrations_;
  DbWorkerCallbacks callbacks_;
  std::unique_ptr<DbSession> conn_;  // worker thread only
  std::thread thread_;
  // State shared with other threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<DbJob> queue_;
  std::deque<DbJob> urgent_;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point deadline_{};
  std::atomic<bool> ready_{false};
  std::atomic<std::int64_t> last_round_trip_ns_{0};  // steady clock
  void noteRoundTrip();
  std::atomic<bool> refused_{false};
  std::atomic<std::uint64_t> failed_jobs_{0};
  bool announced_ready_ = false;  // worker thread only
};

}  // namespace mcu::store
