#include "mcu/app/server.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "mcu/app/server_parts.h"
#include "mcu/app/signal_waiter.h"
#include "mcu/common/log.h"
#include "mcu/common/timer_loop.h"

namespace mcu::app {
namespace {

constexpr std::string_view kComponent = "server";
// How long a shutdown waits for its BYEs to be answered: over UDP a BYE goes again after 0.5,
// 1.5 and 3.5 s (RFC 3261, T1 = 500 ms), so a phone that lost one still answers in time.
constexpr auto kByeGrace = std::chrono::seconds(4);
using Clock = std::chrono::steady_clock;

// Every caller holds two sockets and every HTTP client one: take the hard limit, not the
// soft default (often 1024), as nginx and FreeSWITCH do.
void raiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log::info(kComponent, "open_file_limit").kv("limit", static_cast<std::int64_t>(limit.rlim_cur));
  }
}

// Blocked before any thread exists, so every thread inherits the mask and only the
// SignalWaiter's sigwait() sees them.
sigset_t blockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);  // drain (a cluster node before an upgrade)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return signals;
}

// If a shutdown step hangs, the process still ends: exit code 1 after the deadline plus grace.
void armShutdownWatchdog(Clock::time_point deadline) {
  std::thread([deadline] {
    std::this_thread::sleep_until(deadline + std::chrono::seconds(2));
    log::error(kComponent, "shutdown_timeout").kv("action", "exit");
    ::_exit(1);
  }).detach();
}

// The housekeeping that runs on timers of the main loop (and the control loop's PIN check).
void scheduleHousekeeping(const config::Config& config, TimerLoop& main_loop, ServerParts& parts) {
  Loop& control = parts.sip.controlLoop();
  // Once a second: calls that did not key in their PIN in time are ended, and the CPU used is
  // held against the budget.
  control.runEvery(std::chrono::seconds(1), [&parts] {
    parts.conference.expirePins();
    parts.conference.endRoomsLeftByModerators();
  });
  // systemd's watchdog (the unit's WatchdogSec) is pinged from the control loop: a control
  // thread that hangs stops answering calls and the REST API, and systemd restarts the server.
  if (const auto ping = parts.notifier.pingInterval()) {
    const auto period = std::max(std::chrono::milliseconds(1),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(*ping));
    control.runEvery(period, [&parts] { parts.notifier.watchdog(); });
  }
  // The cluster lease, renewed every third of its length: two renewals may be lost before
  // another node can take this node's rooms.
  if (parts.ownership) {
    const auto period = std::chrono::milliseconds(config.cluster_lease_ms / 3);
    control.post([&parts] { parts.ownership->renew(); });
    control.runEvery(period, [&parts] { parts.ownership->renew(); });
    // A dead node's calls in rooms nobody dials again: closed a few leases after it died (by
    // whichever node gets there first; the statement is idempotent).
    const auto grace = std::chrono::milliseconds(3 * config.cluster_lease_ms);
    main_loop.runEvery(std::chrono::seconds(5),
                       [&parts, grace] { parts.room_leases->closeLostCalls(grace); });
  }
  main_loop.runEvery(std::chrono::seconds(1), [&parts] { parts.cpu_admission.sample(); });
  main_loop.runEvery(std::chrono::seconds(2), [&parts] { parts.sip.sweepTcp(); });
  // The heartbeat that dates a crash.
  main_loop.runEvery(std::chrono::seconds(5), [&parts] { parts.liveness.heartbeat(); });
  // Memory freed after a flood goes back to the system. glibc keeps freed heap in its arenas
  // for reuse (RSS rose from 28 to 688 MB in an OPTIONS flood and stayed).
  main_loop.runEvery(std::chrono::seconds(30), [] { ::malloc_trim(0); });
  // On-demand rooms past their TTL go (a scan's rooms end all at once and nothing else would
  // come by to purge them).
  main_loop.runEvery(std::chrono::minutes(1),
                     [&parts] { parts.conference_store.purgeEndedOnDemandRooms(); });
  // Events and recordings past their retention go.
  const auto retention = std::chrono::hours(config.events_retention_h);
  main_loop.runEvery(std::chrono::hours(1), [&parts, retention] {
    parts.event_log.prune(retention);
    parts.purgeOldRecordings();
  });
}

// Graceful shutdown: refuse new calls, end the live ones, flush writes, then close listeners.
// The exit code: `exit_code`, or 1 when writes were left unwritten.
int shutDown(const config::Config& config, ServerParts& parts, int exit_code) {
  const auto shutdown_started = Clock::now();
  const auto deadline = shutdown_started + std::chrono::seconds(config.shutdown_timeout_s);
  armShutdownWatchdog(deadline);
  parts.notifier.stopping();
  parts.draining = true;
  sip::SipStack& sip = parts.sip;
  sip.beginDrain();
  // Live calls get a BYE and leave their rooms at once, which queues their records. Their
  // BYEs get a few seconds to be answered (a phone answers in milliseconds; three
  // retransmissions fit); one still unanswered then is given up by sip.stop().
  const auto byes_until = std::min(deadline, Clock::now() + kByeGrace);
  while (sip.activeCalls() > 0 && Clock::now() < byes_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (sip.activeCalls() > 0) {
    log::warn(kComponent, "shutdown_calls_left")
        .kv("calls", static_cast<std::uint64_t>(sip.activeCalls()));
  }
  // Call records are completed on the media threads (final statistics): let them finish
  // before the last database writes are flushed.
  if (!parts.engine->flush(std::chrono::seconds(2))) {
    log::warn(kComponent, "media_flush_timeout");
  }
  // Recordings still running (their calls did not end) are finalised now, not left to the
  // watchdog; their ends reach the conference on the control loop, and one round trip there
  // queues their rows' writes before the flush below.
  if (!parts.engine->finishRecordings(std::chrono::seconds(3))) {
    log::warn(kComponent, "recordings_finish_timeout");
  }
  static_cast<void>(parts.conference_client.totals());
  const std::size_t unwritten = parts.db.stop(deadline);
  if (unwritten > 0) {
    log::error(kComponent, "shutdown_unwritten").kv("jobs", static_cast<std::uint64_t>(unwritten));
    exit_code = 1;
  }
  sip.stop();
  parts.http->stop();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - shutdown_started)
          .count();
  log::info(kComponent, "shutdown_complete")
      .kv("duration_ms", static_cast<std::int64_t>(ms))
      .kv("exit_code", exit_code);
  return exit_code;
}

}  // namespace

Server::Server(config::Config config) : config_(std::move(config)) {}

int Server::run() {
  const auto started = Clock::now();
  const sigset_t signals = blockStopSignals();
  raiseOpenFileLimit();
  auto migrations = store::loadMigrations(store::embeddedMigrationSources());
  if (!migrations) {
    log::error(kComponent, "migrations_invalid").kv("problem", migrations.error());
    return 1;
  }

  // The main thread's loop: housekeeping on timers, and the end of the run (a signal, a
  // refused database) as a posted task. Nothing polls.
  TimerLoop main_loop;
  ServerParts parts(config_, std::move(*migrations), main_loop);
  int exit_code = 0;
  const auto stop = [&main_loop, &exit_code](int code) {
    exit_code = std::max(exit_code, code);
    main_loop.quit();
  };
  parts.db_status.on_refused = [&stop](const std::string& reason) {
    log::error(kComponent, "database_refused").kv("problem", reason);
    stop(1);
  };
  parts.db_status.on_ready = [&parts, started] { parts.loadRooms(started); };
  if (!parts.start()) {
    return 1;
  }
  scheduleHousekeeping(config_, main_loop, parts);
  SignalWaiter signal_waiter(signals, [&main_loop, &stop, &parts](int sig) {
    if (sig == SIGUSR1) {
      // The node takes no new calls (OPTIONS 503) and its calls go on; SIGTERM ends it later.
      parts.sip.controlLoop().post([&parts] {
        if (parts.ownership) {
          parts.ownership->drain();
        } else {
          log::warn(kComponent, "drain_ignored").kv("reason", "cluster.enabled is off");
        }
      });
      return;
    }
    main_loop.post([sig, &stop] {
      log::info(kComponent, "shutdown_started").kv("signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
      stop(0);
    });
  });
  main_loop.run();
  signal_waiter.stop();
  return shutDown(config_, parts, exit_code);
}

}  // namespace mcu::app
