#include "mcu/store/db_worker.h"

#include <pqxx/pqxx>

#include "mcu/common/log.h"
#include "mcu/common/thread_priority.h"
#include "mcu/store/db_session.h"
#include "mcu/store/pg_migrator.h"

namespace mcu::store {
namespace {

constexpr std::string_view kComponent = "db";

// Keeps user and password out of the log.
std::string redactUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) {
    return url;
  }
  return url.substr(0, scheme + 3) + "***" + url.substr(at);
}

}  // namespace

DbWorker::DbWorker(DbWorkerConfig config, std::vector<Migration> migrations,
                   DbWorkerCallbacks callbacks)
    : config_(std::move(config)),
      migrations_(std::move(migrations)),
      callbacks_(std::move(callbacks)) {}

DbWorker::~DbWorker() { stop(std::chrono::steady_clock::now()); }

void DbWorker::noteRoundTrip() {
  last_round_trip_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
}

bool DbWorker::isReady() const {
  // Three health intervals (at least 3 s) without an answer: not ready, whatever the socket says.
  const auto stale_after =
      std::max<std::chrono::nanoseconds>(3 * config_.health_interval, std::chrono::seconds(3));
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_round_trip_ns_.load()));
  return ready_.load() && std::chrono::steady_clock::now() - last <= stale_after;
}

void DbWorker::start() {
  thread_ = std::thread([this] { run(); });
}

bool DbWorker::submit(DbJob job) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() + urgent_.size() >= config_.queue_limit) {
      return false;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

bool DbWorker::submitUrgent(DbJob job) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() + urgent_.size() >= config_.queue_limit) {
      return false;
    }
    urgent_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

std::size_t DbWorker::pendingJobs() const {
  const std::lock_guard lock(mutex_);
  return queue_.size() + urgent_.size();
}

std::size_t DbWorker::stop(std::chrono::steady_clock::time_point deadline) {
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = deadline;
    }
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  return pendingJobs();
}

void DbWorker::waitFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  const auto until = std::chrono::steady_clock::now() + delay;
  wake_.wait_until(lock, stopping_ ? std::min(until, deadline_) : until, [&] {
    return stopping_ &&
           ((queue_.empty() && urgent_.empty()) || std::chrono::steady_clock::now() >= deadline_);
  });
}

bool DbWorker::connectAndMigrate() {
  try {
    conn_ = std::make_unique<DbSession>(config_.url);
    auto outcome = applyMigrations(conn_->connection(), migrations_);
    if (!outcome) {
      refused_ = true;
      log::error(kComponent, "migrations_refused").kv("reason", outcome.error());
      if (callbacks_.on_refused) {
        callbacks_.on_refused(outcome.error());
      }
      conn_.reset();
      return false;
    }
    const auto& done = *outcome;
    log::info(kComponent, "db_connected")
        .kv("url", redactUrl(config_.url))
        .kv("schema_version", done.schema_version)
        .kv("migrations_applied", done.applied);
    noteRoundTrip();
    ready_ = true;
    if (!announced_ready_) {
      announced_ready_ = true;
      if (callbacks_.on_ready) {
        callbacks_.on_ready(done.schema_version);
      }
    }
    return true;
  } catch (const std::exception& e) {
    conn_.reset();
    ready_ = false;
    log::warn(kComponent, "db_unavailable").kv("url", redactUrl(config_.url)).kv("error", e.what());
    return false;
  }
}

void DbWorker::runJob(DbJob& job) {
  try {
    job.run(*conn_);
    noteRoundTrip();
  } catch (const pqxx::broken_connection& e) {
    // Not the job's fault: keep it and run it again after reconnecting.
    conn_.reset();
    ready_ = false;
    log::warn(kComponent, "db_connection_lost").kv("job", job.what).kv("error", e.what());
    const std::lock_guard lock(mutex_);
    queue_.push_front(std::move(job));
    return;
  } catch (const std::exception& e) {
    noteRoundTrip();  // the database answered, with an error
    ++failed_jobs_;
    log::error(kComponent, "db_job_failed").kv("job", job.what).kv("error", e.what());
  }
}

void DbWorker::healthCheck() {
  try {
    pqxx::nontransaction txn(conn_->connection());
    txn.exec("SELECT 1");
    noteRoundTrip();
    ready_ = true;
  } catch (const std::exception& e) {
    conn_.reset();
    ready_ = false;
    log::warn(kComponent, "db_connection_lost").kv("error", e.what());
  }
}

void DbWorker::run() {
  runBelowMediaPriority();
  auto backoff = config_.retry_initial;
  while (!refused_) {
    {
      const std::lock_guard lock(mutex_);
      if (stopping_ &&
          ((queue_.empty() && urgent_.empty()) || std::chrono::steady_clock::now() >= deadline_)) {
        break;
      }
    }
    if (!conn_) {
      if (connectAndMigrate()) {
        backoff = config_.retry_initial;
        continue;
      }
      if (refused_) {
        break;
      }
      log::info(kComponent, "db_retry")
          .kv("retry_in_ms", static_cast<std::int64_t>(backoff.count()));
      waitFor(backoff);
      backoff = std::min(backoff * 2, config_.retry_max);
      continue;
    }
    std::optional<DbJob> job;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, config_.health_interval,
                     [&] { return stopping_ || !queue_.empty() || !urgent_.empty(); });
      stopping = stopping_;
      auto& from = urgent_.empty() ? queue_ : urgent_;
      if (!from.empty()) {
        job = std::move(from.front());
        from.pop_front();
      }
    }
    if (job) {
      runJob(*job);
    } else if (!stopping) {
      healthCheck();
    }
  }
  ready_ = false;
  conn_.reset();
}

}  // namespace mcu::store
