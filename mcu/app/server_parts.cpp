#include "mcu/app/server_parts.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <future>
#include <thread>
#include <utility>

#include "mcu/common/log.h"
#include "mcu/common/text.h"
#include "mixer/codec/recorded_length.h"

namespace mcu::app {
namespace {

constexpr std::string_view kComponent = "server";
// What HTTP handlers wait for the database; beyond this the answer is 503 + Retry-After.
constexpr std::chrono::milliseconds kDbRequestTimeout{2000};

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

// Where the other nodes send this node's rooms' callers (302) and its REST commands.
std::string clusterSipAddress(const config::Config& c) {
  return c.cluster_sip_address.empty() ? c.sip_listen.toString() : c.cluster_sip_address;
}
std::string httpUrl(const config::Config& c) {
  return (c.http_tls_cert.empty() ? "http://" : "https://") + c.http_listen.toString();
}

// "a, b,c" -> {"a", "b", "c"}.
std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  for (const std::string_view item : text::splitList(text)) {
    items.emplace_back(item);
  }
  return items;
}

std::vector<mixer::codec::CodecKind> codecPreference(const std::string& list) {
  std::vector<mixer::codec::CodecKind> kinds;
  for (const std::string_view name : text::splitList(list)) {
    if (const auto kind = mixer::codec::codecFromName(std::string(name))) {
      kinds.push_back(*kind);
    }
  }
  return kinds;
}

sip::SrtpPolicy srtpPolicy(const config::Config& c) {
  sip::SrtpPolicy p;
  p.mode = c.media_srtp == "off"        ? sip::SrtpPolicy::Mode::kOff
           : c.media_srtp == "required" ? sip::SrtpPolicy::Mode::kRequired
                                        : sip::SrtpPolicy::Mode::kOptional;
  p.keys_over_insecure_sip = c.media_srtp_over_insecure_sip;
  return p;
}

mixer::EngineConfig engineConfig(const config::Config& c) {
  return {.threads = c.media_threads > 0
                         ? c.media_threads
                         : static_cast<int>(std::max(1U, std::thread::hardware_concurrency())),
          .bind_host = c.media_bind,
          .port_min = static_cast<std::uint16_t>(c.media_port_min),
          .port_max = static_cast<std::uint16_t>(c.media_port_max),
          .batched_io = c.media_batched_io,
          .realtime_priority = c.media_realtime_priority,
          .slow_tick_ms = static_cast<double>(c.media_slow_tick_ms),
          .spread_room_above = static_cast<std::size_t>(c.media_spread_room_above),
          .recording_min_free_bytes =
              static_cast<std::uint64_t>(c.recordings_min_free_mb) * 1024 * 1024};
}

sip::SipStackConfig sipConfig(const config::Config& c) {
  return {c.sip_listen,
          c.sip_tls_listen,
          c.sip_tls_cert_dir,
          c.sip_retry_after_s,
          c.sip_outbound_proxy,
          c.sip_tcp_idle_s,
          c.rooms_factory,
          c.dialout_allow,
          splitList(c.sip_refer_sources),
          static_cast<std::size_t>(c.sip_max_pending_refers),
          static_cast<double>(c.sip_requests_per_source_per_s),
          c.sip_tcp_silent_s,
          static_cast<std::size_t>(c.sip_tcp_max_per_source),
          static_cast<std::size_t>(c.sip_max_subscriptions_per_room),
          static_cast<std::size_t>(c.sip_max_subscriptions_per_source),
          static_cast<std::size_t>(c.rooms_max_lines_per_dialog)};
}

}  // namespace

ServerParts::ServerParts(const config::Config& config, std::vector<store::Migration> migrations,
                         Loop& main_loop)
    : db({.url = config.database_url,
          .retry_max = std::chrono::seconds(config.database_retry_max_s),
          .queue_limit = static_cast<std::size_t>(config.database_queue_limit)},
         std::move(migrations),
         {.on_ready =
              [this, &main_loop](int version) {
                db_status.schema_version = version;
                main_loop.post([this] { db_status.on_ready(); });
              },
          .on_refused =
              [this, &main_loop](const std::string& reason) {
                main_loop.post([this, reason] { db_status.on_refused(reason); });
              }}),
      node_id(nodeId(config)),
      liveness(db, node_id, config.sip_listen.toString()),
      conference_store(db, std::chrono::seconds(config.rooms_on_demand_ttl_s)),
      room_records(db, kDbRequestTimeout),
      call_history(db, kDbRequestTimeout),
      recording_records(db, kDbRequestTimeout),
      node_records(db, kDbRequestTimeout),
      event_log(db, kDbRequestTimeout),
      token_store(db, kDbRequestTimeout),
      engine(mixer::createMediaEngine(engineConfig(config), &media_events)),
      conference(
          *engine, conference_store,
          {.on_demand_rooms = config.rooms_on_demand,
           .on_demand_per_minute = config.rooms_on_demand_per_minute,
           .max_participants = config.max_participants,
           .node_id = node_id,
           .rtp_timeout_ms = config.media_rtp_timeout_s * 1000,
           .entry_exit_tones = config.rooms_entry_exit_tones,
           .spoken_prompts = config.prompts_spoken,
           .announce_recording = config.recordings_announce,
           .end_call = nullptr,
           .on_event = [this](
                           const std::string& type, const std::string& room,
                           const std::string& payload) { event_log.append(type, room, payload); }}),
      sip(sipConfig(config)),
      conference_client(sip.controlLoop(), conference),
      prompts(config.prompts_dir),
      cpu_admission(CpuBudget(config.cpu_budget_percent), steadyClock(), sip.controlLoop(),
                    conference),
      metric_sources{&sip,
                     engine.get(),
                     &db,
                     &conference_store,
                     &event_log,
                     &conference_client,
                     &cpu_admission,
                     [this] { return api::allReady(readiness()); },
                     &prompts},
      config_(config) {
  db.start();
  // Queued first: before any call of this run is recorded.
  liveness.recover([](std::size_t closed) {
    log::info(kComponent, "node_recovered").kv("calls_closed", static_cast<std::uint64_t>(closed));
  });
  // A crash's recordings: their files end at the writer's last sync.
  conference_store.closeOpenRecordings(
      node_id,
      [dir = config.recordings_dir](const std::string& file, const std::string& format)
          -> std::optional<store::ConferenceStore::FileLength> {
        const auto length = mixer::codec::recordedLength(dir + "/" + file, format == "ogg");
        if (!length) {
          return std::nullopt;
        }
        return store::ConferenceStore::FileLength{static_cast<std::int64_t>(length->bytes),
                                                  length->duration_ms};
      });
  conference_store.endIdleOnDemandRooms();  // after the recovery above, before any join
  conference_store.purgeEndedOnDemandRooms();
  purgeOldRecordings();
  event_log.prune(std::chrono::hours(config.events_retention_h));
  if (config.cluster_enabled) {
    // After the recovery above: this run's row, and the rooms an earlier run owned given back.
    room_leases = std::make_unique<store::RoomLeases>(db, node_id);
    room_leases->join(clusterSipAddress(config), httpUrl(config));
    ownership = std::make_unique<conference::RoomOwnership>(
        *room_leases, sip.controlLoop(), std::chrono::milliseconds(config.cluster_lease_ms));
    sip.setRoomOwnership(ownership.get());
    metric_sources.ownership = ownership.get();
    event_doorbell =
        std::make_unique<store::EventDoorbell>(config.database_url, [this] { event_log.ring(); });
    event_doorbell->start();
    conference_store.setFence(node_id,
                              [this](const std::string& room) { return ownership->epochOf(room); });
  }
  sip.enableCalls(conference, codecPreference(config.media_codecs),
                  {config.media_address, config.media_bind}, srtpPolicy(config));
  media_events.attach(sip.controlLoop(), conference);
  conference.setEndCall(
      [this](mixer::ParticipantId id, conference::LeaveReason reason) { sip.endCall(id, reason); });
}

bool ServerParts::start() {
  if (auto started = sip.start(); !started) {
    log::error(kComponent, "sip_listen_failed").kv("problem", started.error());
    return false;
  }
  if (!config_.prompts_music.empty()) {
    auto music = prompts.load(config_.prompts_music);
    if (!music) {
      log::error(kComponent, "config_error")
          .kv("key", "prompts.music")
          .kv("problem", music.error());
      return false;
    }
    conference.setDefaultMusic(music->pcm);
  }
  conference.setOwner(&sip.controlLoop());  // from now on used on the control thread only
  if (!config_.http_tls_cert.empty()) {
    auto loaded = api::TlsServerContext::load(config_.http_tls_cert, config_.http_tls_key);
    if (!loaded) {
      log::error(kComponent, "http_tls_failed").kv("problem", loaded.error());
      return false;
    }
    http_tls = std::move(*loaded);
  }
  api::ApiContext api_context;
  api_context.rooms = &room_records;
  api_context.calls = &call_history;
  api_context.events = &event_log;
  api_context.tokens = &token_store;
  api_context.conference = &conference_client;
  api_context.prompts = &prompts;
  api_context.recordings = &recording_records;
  api_context.nodes = &node_records;
  api_context.cluster = config_.cluster_enabled;
  if (ownership) {
    api_context.claim_room = [this](const std::string& room) {
      auto answer = std::make_shared<std::promise<conference::RoomPlace>>();
      auto placed = answer->get_future();
      sip.controlLoop().post([this, room, answer] {
        ownership->claim(
            room, [answer](const conference::RoomPlace& place) { answer->set_value(place); });
      });
      return placed.wait_for(kDbRequestTimeout) == std::future_status::ready
                 ? std::optional<conference::RoomPlace>(placed.get())
                 : std::nullopt;
    };
  }
  api_context.recordings_dir = config_.recordings_dir;
  api_context.node_id = node_id;
  api_context.max_event_streams = config_.http_event_streams;
  api_context.dialout_allow = config_.dialout_allow;
  api_context.server_metrics = [this] { return serverMetrics(metric_sources); };
  http = std::make_unique<api::HttpServer>(
      config_.http_listen, [this] { return readiness(); }, api_context,
      api::GateLimits{
          .request_timeout = std::chrono::seconds(config_.http_request_timeout_s),
          .idle_timeout = std::chrono::seconds(config_.http_idle_timeout_s),
          .max_connections = static_cast<std::size_t>(config_.http_max_connections),
          .max_per_source = static_cast<std::size_t>(config_.http_max_connections_per_source),
          .framing = {},
      },
      http_tls.get());
  if (auto started = http->start(); !started) {
    log::error(kComponent, "http_listen_failed").kv("problem", started.error());
    return false;
  }
  return true;
}

std::vector<api::ReadinessCheck> ServerParts::readiness() const {
  const bool db_ready = db.isReady();
  const bool bound = sip.transportsBound();
  const bool loaded = rooms_loaded.load();
  const bool serving = !draining.load();
  return {
      {"database", db_ready, db_ready ? "reachable, migrated" : "not reachable"},
      {"sip", bound, bound ? "transports bound" : "not bound"},
      {"rooms", loaded, loaded ? "policies loaded" : "loading policies"},
      {"shutdown", serving, serving ? "serving" : "draining"},
  };
}

void ServerParts::loadRooms(std::chrono::steady_clock::time_point started) {
  if (rooms_asked_) {
    return;
  }
  rooms_asked_ = true;
  conference_store.loadRooms([this, started](std::vector<store::RoomRow> rooms) {
    // The rooms' own music, decoded here on the database thread (never the control thread):
    // a file gone since it was set is said once, and its room plays the server's music.
    std::map<std::string, mixer::MediaEngine::Samples> music;
    for (const auto& row : rooms) {
      if (row.music && !row.music->empty() && !music.contains(*row.music)) {
        auto loaded = prompts.load(*row.music);
        if (loaded) {
          music.emplace(*row.music, loaded->pcm);
        } else {
          log::error(kComponent, "room_music_unusable")
              .kv("room", row.name)
              .kv("file", *row.music)
              .kv("problem", loaded.error());
        }
      }
    }
    sip.controlLoop().post([this, started, rooms = std::move(rooms), music = std::move(music)] {
      conference.setRooms(rooms, music);
      rooms_loaded = true;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
      log::info(kComponent, "ready")
          .kv("sip", config_.sip_listen.toString())
          .kv("http", config_.http_listen.toString())
          .kv("schema_version", db_status.schema_version.load())
          .kv("startup_ms", static_cast<std::int64_t>(ms));
      notifier.ready("taking calls on " + config_.sip_listen.toString());
    });
  });
}

void ServerParts::purgeOldRecordings() {
  if (config_.recordings_retention_h == 0 || config_.recordings_dir.empty()) {
    return;
  }
  conference_store.purgeOldRecordings(
      node_id, std::chrono::hours(config_.recordings_retention_h),
      [dir = config_.recordings_dir](const std::string& file) {
        std::error_code error;  // a file already gone is removed as far as its row goes
        std::filesystem::remove(dir + "/" + file, error);
        if (error) {
          log::warn(kComponent, "recording_not_purged")
              .kv("file", file)
              .kv("error", error.message());
        }
        return !error;
      });
}

}  // namespace mcu::app
