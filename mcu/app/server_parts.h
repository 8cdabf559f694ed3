// Everything a running server is made of, built in the order each part needs the ones before
// it and destroyed in reverse: the database worker and its stores, the media engine, the
// conference, the SIP stack, the REST listener. Server::run makes one, starts it, runs the
// main loop's timers and shuts it down; this file is only the wiring.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/tls_server_context.h"
#include "mcu/app/cpu_admission.h"
#include "mcu/app/media_events_to_sip.h"
#include "mcu/app/server_metrics.h"
#include "mcu/app/service_notifier.h"
#include "mcu/common/loop.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/conference_client.h"
#include "mcu/conference/room_ownership.h"
#include "mcu/config/config.h"
#include "mcu/sip/sip_stack.h"
#include "mcu/store/call_history.h"
#include "mcu/store/conference_store.h"
#include "mcu/store/db_worker.h"
#include "mcu/store/event_doorbell.h"
#include "mcu/store/event_log.h"
#include "mcu/store/migration.h"
#include "mcu/store/node_liveness.h"
#include "mcu/store/node_records.h"
#include "mcu/store/recording_records.h"
#include "mcu/store/room_leases.h"
#include "mcu/store/room_records.h"
#include "mcu/store/token_store.h"
#include "mixer/engine/media_engine.h"

namespace mcu::app {

// What the database thread reports, taken on the main loop (the two callbacks are set before
// that loop runs, and only run on it).
struct DbStatus {
  std::atomic<int> schema_version{0};
  std::function<void()> on_ready;
  std::function<void(const std::string&)> on_refused;
};

class ServerParts {
 public:
  // Builds every part and queues the database's start-up work (crash recovery first); binds
  // nothing. `config` and `main_loop` are borrowed.
  ServerParts(const config::Config& config, std::vector<store::Migration> migrations,
              Loop& main_loop);
  ServerParts(const ServerParts&) = delete;
  ServerParts& operator=(const ServerParts&) = delete;

  // Binds SIP, loads the HTTP certificate and binds HTTP; false (logged) when one fails.
  bool start();

  // Ready once the database is migrated and the conference holds its rooms' policies: an
  // INVITE for a locked or PIN room must not find it open before then. Main loop.
  void loadRooms(std::chrono::steady_clock::time_point started);
  // Deletes this node's recordings past recordings.retention_h (none when it is 0).
  void purgeOldRecordings();

  // Owned, in construction order.
  const ServiceNotifier notifier = ServiceNotifier::fromEnvironment();  // systemd, if under it
  DbStatus db_status;
  std::atomic<bool> rooms_loaded{false};  // set on the control loop, read by /readyz
  std::atomic<bool> draining{false};      // set at shutdown, read by /readyz
  store::DbWorker db;
  std::string node_id;
  store::NodeLiveness liveness;
  store::ConferenceStore conference_store;
  store::RoomRecords room_records;
  store::CallHistory call_history;
  store::RecordingRecords recording_records;
  store::NodeRecords node_records;
  store::EventLog event_log;
  store::TokenStore token_store;
  MediaEventsToSip media_events;
  std::unique_ptr<mixer::MediaEngine> engine;
  conference::Conference conference;
  sip::SipStack sip;
  // In a cluster (cluster.enabled): this node's lease and its rooms' claims; else null.
  std::unique_ptr<store::RoomLeases> room_leases;
  std::unique_ptr<conference::RoomOwnership> ownership;  // control loop
  std::unique_ptr<store::EventDoorbell> event_doorbell;  // other nodes' events, at once
  conference::ConferenceClient conference_client;
  conference::PromptLibrary prompts;  // decoded by the HTTP workers that ask for them
  CpuAdmission cpu_admission;         // sampled by a main-loop timer (Server::run)
  MetricSources metric_sources;
  std::unique_ptr<api::TlsServerContext> http_tls;
  std::unique_ptr<api::HttpServer> http;  // made by start(), once its certificate is loaded

 private:
  std::vector<api::ReadinessCheck> readiness() const;

  // Borrowed.
  const config::Config& config_;
  bool rooms_asked_ = false;  // main loop
};

}  // namespace mcu::app
