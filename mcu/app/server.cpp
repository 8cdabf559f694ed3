#include "mcu/app/server.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <thread>

#include "api/http_server.h"
#include "api/tls_server_context.h"
#include "mcu/app/cpu_admission.h"
#include "mcu/app/server_metrics.h"
#include "mcu/app/signal_waiter.h"
#include "mcu/common/log.h"
#include "mcu/common/text.h"
#include "mcu/common/timer_loop.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/conference_client.h"
#include "mcu/sip/sip_stack.h"
#include "mcu/store/call_history.h"
#include "mcu/store/conference_store.h"
#include "mcu/store/db_worker.h"
#include "mcu/store/event_log.h"
#include "mcu/store/migration.h"
#include "mcu/store/node_liveness.h"
#include "mcu/store/room_records.h"
#include "mcu/store/token_store.h"
#include "mixer/engine/media_engine.h"

namespace mcu::app {
namespace {

// The configured node id, else "<host name>:<SIP port>": unique per server in a cluster and
// the same across restarts.
std::string nodeId(const config::Config& c) {
  if (!c.node_id.empty()) {
    return c.node_id;
  }
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) {
    return c.sip_listen.toString();
  }
  return std::string(host.data()) + ":" + std::to_string(c.sip_listen.port);
}

// "a, b,c" -> {"a", "b", "c"}.
std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  for (const std::string_view item : text::splitList(text)) {
    items.emplace_back(item);
  }
  return items;
}

sip::SrtpPolicy srtpPolicy(const config::Config& c) {
  sip::SrtpPolicy p;
  p.mode = c.media_srtp == "off"        ? sip::SrtpPolicy::Mode::kOff
           : c.media_srtp == "required" ? sip::SrtpPolicy::Mode::kRequired
                                        : sip::SrtpPolicy::Mode::kOptional;
  p.keys_over_insecure_sip = c.media_srtp_over_insecure_sip;
  return p;
}

constexpr std::string_view kComponent = "server";

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
using Clock = std::chrono::steady_clock;

// What the database thread reports, taken on the main loop (the two callbacks are set before
// that loop runs, and only run on it).
struct DbStatus {
  std::atomic<int> schema_version{0};
  std::function<void()> on_ready;
  std::function<void(const std::string&)> on_refused;
};

// If a shutdown step hangs, the process still ends: exit code 1 after the deadline plus grace.
void armShutdownWatchdog(Clock::time_point deadline) {
  std::thread([deadline] {
    std::this_thread::sleep_until(deadline + std::chrono::seconds(2));
    log::error(kComponent, "shutdown_timeout").kv("action", "exit");
    ::_exit(1);
  }).detach();
}

// Media events arrive on media threads; what needs SIP goes to the control thread.
class MediaEventsToSip final : public mixer::MediaEvents {
 public:
  void attach(sip::SipStack* sip, conference::Conference* conference) {
    sip_ = sip;
    conference_ = conference;
  }
  void onFirstPacket(mixer::ParticipantId /*id*/) override {}
  void onTalking(mixer::ParticipantId id, bool talking) override {
    log::debug("media", talking ? "talking_started" : "talking_stopped")
        .kv("participant", std::uint64_t{id.value()});
    if (sip_ != nullptr && conference_ != nullptr) {
      conference::Conference* conference = conference_;
      sip_->controlLoop().post([conference, id, talking] { conference->onTalking(id, talking); });
    }
  }
  void onDtmf(mixer::ParticipantId id, char digit) override {
    // The digit itself is not logged: it may be part of a PIN.
    log::debug("media", "dtmf").kv("participant", std::uint64_t{id.value()});
    if (sip_ != nullptr && conference_ != nullptr) {
      conference::Conference* conference = conference_;
      sip_->controlLoop().post([conference, id, digit] { conference->onDtmf(id, digit); });
    }
  }
  void onRtpTimeout(mixer::ParticipantId id) override {
    if (sip_ != nullptr && conference_ != nullptr) {
      conference::Conference* conference = conference_;
      sip_->controlLoop().post([conference, id] { conference->rtpTimedOut(id); });
    }
  }

 private:
  sip::SipStack* sip_ = nullptr;
  conference::Conference* conference_ = nullptr;
};

std::vector<mixer::codec::CodecKind> codecPreference(const std::string& list) {
  std::vector<mixer::codec::CodecKind> kinds;
  for (const std::string_view name : text::splitList(list)) {
    if (const auto kind = mixer::codec::codecFromName(std::string(name))) {
      kinds.push_back(*kind);
    }
  }
  return kinds;
}

}  // namespace

Server::Server(config::Config config) : config_(std::move(config)) {}

int Server::run() {
  const auto started = Clock::now();
  // Block the signals before any thread exists so every thread inherits the mask and only
  // the SignalWaiter's sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  raiseOpenFileLimit();

  auto migrations = store::loadMigrations(store::embeddedMigrationSources());
  if (auto* problem = std::get_if<std::string>(&migrations)) {
    log::error(kComponent, "migrations_invalid").kv("problem", *problem);
    return 1;
  }

  TimerLoop main_loop;
  DbStatus db_status;
  bool rooms_asked = false;               // main loop
  std::atomic<bool> rooms_loaded{false};  // set on the control loop, read by /readyz
  store::DbWorker db({.url = config_.database_url,
                      .retry_max = std::chrono::seconds(config_.database_retry_max_s),
                      .queue_limit = static_cast<std::size_t>(config_.database_queue_limit)},
                     std::get<std::vector<store::Migration>>(std::move(migrations)),
                     {.on_ready =
                          [&db_status, &main_loop](int version) {
                            db_status.schema_version = version;
                            main_loop.post([&db_status] { db_status.on_ready(); });
                          },
                      .on_refused =
                          [&db_status, &main_loop](const std::string& reason) {
                            main_loop.post([&db_status, reason] { db_status.on_refused(reason); });
                          }});
  db.start();
  const std::string node_id = nodeId(config_);
  store::NodeLiveness liveness(db, node_id, config_.sip_listen.toString());
  // Queued first: before any call of this run is recorded.
  liveness.recover([](std::size_t closed) {
    log::info(kComponent, "node_recovered").kv("calls_closed", static_cast<std::uint64_t>(closed));
  });
  store::ConferenceStore conference_store(db, std::chrono::seconds(config_.rooms_on_demand_ttl_s));
  conference_store.endIdleOnDemandRooms();  // after the recovery above, before any join
  conference_store.purgeEndedOnDemandRooms();
  // What HTTP handlers wait for; beyond this the answer is 503 + Retry-After.
  constexpr std::chrono::milliseconds kDbRequestTimeout{2000};
  store::RoomRecords room_records(db, kDbRequestTimeout);
  store::CallHistory call_history(db, kDbRequestTimeout);
  store::EventLog event_log(db, kDbRequestTimeout);
  store::TokenStore token_store(db, kDbRequestTimeout);
  event_log.prune(std::chrono::hours(config_.events_retention_h));

  MediaEventsToSip media_events;
  const int threads = config_.media_threads > 0
                          ? config_.media_threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  auto engine = mixer::createMediaEngine(
      {.threads = threads,
       .bind_host = config_.media_bind,
       .port_min = static_cast<std::uint16_t>(config_.media_port_min),
       .port_max = static_cast<std::uint16_t>(config_.media_port_max),
       .batched_io = config_.media_batched_io,
       .spread_room_above = static_cast<std::size_t>(config_.media_spread_room_above)},
      &media_events);
  conference::Conference conference(
      *engine, conference_store,
      {.on_demand_rooms = config_.rooms_on_demand,
       .on_demand_per_minute = config_.rooms_on_demand_per_minute,
       .max_participants = config_.max_participants,
       .node_id = node_id,
       .rtp_timeout_ms = config_.media_rtp_timeout_s * 1000,
       .end_call = nullptr,
       .on_event = [&event_log](const std::string& type, const std::string& room,
                                const std::string& payload) {
         event_log.append(type, room, payload);
       }});
  sip::SipStack sip(
      {config_.sip_listen, config_.sip_tls_listen, config_.sip_tls_cert_dir,
       config_.sip_retry_after_s, config_.sip_outbound_proxy, config_.sip_tcp_idle_s,
       config_.rooms_factory, config_.dialout_allow, splitList(config_.sip_refer_sources),
       static_cast<std::size_t>(config_.sip_max_pending_refers),
       static_cast<double>(config_.sip_requests_per_source_per_s), config_.sip_tcp_silent_s,
       static_cast<std::size_t>(config_.sip_tcp_max_per_source),
       static_cast<std::size_t>(config_.sip_max_subscriptions_per_room),
       static_cast<std::size_t>(config_.sip_max_subscriptions_per_source),
       static_cast<std::size_t>(config_.rooms_max_lines_per_dialog)});
  sip.enableCalls(conference, codecPreference(config_.media_codecs),
                  {config_.media_address, config_.media_bind}, srtpPolicy(config_));
  media_events.attach(&sip, &conference);
  conference.setEndCall(
      [&sip](mixer::ParticipantId id, conference::LeaveReason reason) { sip.endCall(id, reason); });
  if (auto problem = sip.start()) {
    log::error(kComponent, "sip_listen_failed").kv("problem", *problem);
    return 1;
  }
  conference.setOwner(&sip.controlLoop());  // from now on used on the control thread only

  std::atomic<bool> draining{false};
  conference::ConferenceClient conference_client(sip.controlLoop(), conference);
  api::ApiContext api_context;
  api_context.rooms = &room_records;
  api_context.calls = &call_history;
  api_context.events = &event_log;
  api_context.tokens = &token_store;
  api_context.conference = &conference_client;
  api_context.max_event_streams = config_.http_event_streams;
  api_context.dialout_allow = config_.dialout_allow;
  const MetricSources metric_sources{&sip,       engine.get(),      &db, &conference_store,
                                     &event_log, &conference_client};
  api_context.server_metrics = [&metric_sources] { return serverMetrics(metric_sources); };
  std::unique_ptr<api::TlsServerContext> http_tls;
  if (!config_.http_tls_cert.empty()) {
    auto loaded = api::TlsServerContext::load(config_.http_tls_cert, config_.http_tls_key);
    if (auto* problem = std::get_if<std::string>(&loaded)) {
      log::error(kComponent, "http_tls_failed").kv("problem", *problem);
      return 1;
    }
    http_tls = std::move(std::get<0>(loaded));
  }
  api::HttpServer http(
      config_.http_listen,
      [&]() {
        return std::vector<api::ReadinessCheck>{
            {"database", db.isReady(), db.isReady() ? "reachable, migrated" : "not reachable"},
            {"sip", sip.transportsBound(),
             sip.transportsBound() ? "transports bound" : "not bound"},
            {"rooms", rooms_loaded.load(),
             rooms_loaded.load() ? "policies loaded" : "loading policies"},
            {"shutdown", !draining.load(), draining.load() ? "draining" : "serving"},
        };
      },
      api_context,
      api::GateLimits{
          .request_timeout = std::chrono::seconds(config_.http_request_timeout_s),
          .idle_timeout = std::chrono::seconds(config_.http_idle_timeout_s),
          .max_connections = static_cast<std::size_t>(config_.http_max_connections),
          .max_per_source = static_cast<std::size_t>(config_.http_max_connections_per_source),
          .framing = {},
      },
      http_tls.get());
  if (auto problem = http.start()) {
    log::error(kComponent, "http_listen_failed").kv("problem", *problem);
    return 1;
  }

  // The main thread's loop: housekeeping on timers, and the end of the run (a signal, a
  // refused database) as a posted task. Nothing polls.
  int exit_code = 0;
  const auto stop = [&main_loop, &exit_code](int code) {
    exit_code = std::max(exit_code, code);
    main_loop.quit();
  };
  db_status.on_refused = [&stop](const std::string& reason) {
    log::error(kComponent, "database_refused").kv("problem", reason);
    stop(1);
  };
  // Ready once the database is migrated and the conference holds its rooms' policies: an
  // INVITE for a locked or PIN room must not find it open before then.
  db_status.on_ready = [&] {
    if (rooms_asked) {
      return;
    }
    rooms_asked = true;
    conference_store.loadRooms([&](std::vector<store::RoomRow> rooms) {
      sip.controlLoop().post([&, rooms = std::move(rooms)] {
        conference.setRooms(rooms);
        rooms_loaded = true;
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        log::info(kComponent, "ready")
            .kv("sip", config_.sip_listen.toString())
            .kv("http", config_.http_listen.toString())
            .kv("schema_version", db_status.schema_version.load())
            .kv("startup_ms", static_cast<std::int64_t>(ms));
      });
    });
  };

  Loop& control = sip.controlLoop();
  CpuAdmission cpu_admission(CpuBudget(config_.cpu_budget_percent), steadyClock(), control,
                             conference);
  // Once a second: calls that did not key in their PIN in time are ended, and the CPU used is
  // held against the budget.
  control.runEvery(std::chrono::seconds(1), [&conference] { conference.expirePins(); });
  main_loop.runEvery(std::chrono::seconds(1), [&cpu_admission] { cpu_admission.sample(); });
  main_loop.runEvery(std::chrono::seconds(2), [&sip] { sip.sweepTcp(); });
  // The heartbeat that dates a crash.
  main_loop.runEvery(std::chrono::seconds(5), [&liveness] { liveness.heartbeat(); });
  // Memory freed after a flood goes back to the system. glibc keeps freed heap in its arenas
  // for reuse (RSS rose from 28 to 688 MB in an OPTIONS flood and stayed).
  main_loop.runEvery(std::chrono::seconds(30), [] { ::malloc_trim(0); });
  // On-demand rooms past their TTL go (a scan's rooms end all at once and nothing else would
  // come by to purge them).
  main_loop.runEvery(std::chrono::minutes(1),
                     [&conference_store] { conference_store.purgeEndedOnDemandRooms(); });
  // Events past their retention go.
  main_loop.runEvery(std::chrono::hours(1), [&event_log, this] {
    event_log.prune(std::chrono::hours(config_.events_retention_h));
  });
  SignalWaiter signal_waiter(signals, [&main_loop, &stop](int sig) {
    main_loop.post([sig, &stop] {
      log::info(kComponent, "shutdown_started").kv("signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
      stop(0);
    });
  });
  main_loop.run();
  signal_waiter.stop();

  // Graceful shutdown: refuse new calls, end the live ones, flush writes, then close listeners.
  const auto shutdown_started = Clock::now();
  const auto deadline = shutdown_started + std::chrono::seconds(config_.shutdown_timeout_s);
  armShutdownWatchdog(deadline);
  draining = true;
  sip.beginDrain();
  // Live calls get a BYE; their records are queued as they end, before the flush below.
  while (sip.activeCalls() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (sip.activeCalls() > 0) {
    log::warn(kComponent, "shutdown_calls_left")
        .kv("calls", static_cast<std::uint64_t>(sip.activeCalls()));
  }
  // Call records are completed on the media threads (final statistics): let them finish
  // before the last database writes are flushed.
  if (!engine->flush(std::chrono::seconds(2))) {
    log::warn(kComponent, "media_flush_timeout");
  }
  const std::size_t unwritten = db.stop(deadline);
  if (unwritten > 0) {
    log::error(kComponent, "shutdown_unwritten").kv("jobs", static_cast<std::uint64_t>(unwritten));
    exit_code = 1;
  }
  sip.stop();
  http.stop();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - shutdown_started)
          .count();
  log::info(kComponent, "shutdown_complete")
      .kv("duration_ms", static_cast<std::int64_t>(ms))
      .kv("exit_code", exit_code);
  return exit_code;
}

}  // namespace mcu::app
