#include "mcu/config/config_schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "mcu/common/text.h"

namespace mcu::config {
namespace {

using Problem = std::optional<std::string>;

std::function<Problem(std::string_view, Config&)> hostPort(HostPort Config::*field) {
  return [field](std::string_view text, Config& c) -> Problem {
    auto parsed = parseHostPort(text);
    if (!parsed.value) {
      return parsed.problem;
    }
    c.*field = *parsed.value;
    return std::nullopt;
  };
}

std::function<Problem(std::string_view, Config&)> integer(int Config::*field, int min, int max) {
  return [field, min, max](std::string_view text, Config& c) -> Problem {
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
      return "expected an integer, got \"" + std::string(text) + "\"";
    }
    if (value < min || value > max) {
      return std::to_string(value) + " out of range " + std::to_string(min) + "-" +
             std::to_string(max);
    }
    c.*field = value;
    return std::nullopt;
  };
}

std::function<Problem(std::string_view, Config&)> boolean(bool Config::*field) {
  return [field](std::string_view text, Config& c) -> Problem {
    if (text == "true" || text == "1" || text == "yes") {
      c.*field = true;
    } else if (text == "false" || text == "0" || text == "no") {
      c.*field = false;
    } else {
      return "expected true or false, got \"" + std::string(text) + "\"";
    }
    return std::nullopt;
  };
}

std::function<Problem(std::string_view, Config&)> text(std::string Config::*field) {
  return [field](std::string_view t, Config& c) -> Problem {
    c.*field = std::string(t);
    return std::nullopt;
  };
}

Problem applyCodecs(std::string_view list, Config& c) {
  int count = 0;
  for (const std::string_view name : text::split(list, ',')) {
    if (name != "opus" && name != "G722" && name != "PCMU" && name != "PCMA") {
      return "unknown codec \"" + std::string(name) + "\" (opus, G722, PCMU, PCMA)";
    }
    ++count;
  }
  if (count == 0) {
    return "at least one codec is needed";
  }
  c.media_codecs = std::string(list);
  return std::nullopt;
}

Problem applyTlsListen(std::string_view text, Config& c) {
  if (text.empty()) {
    c.sip_tls_listen.reset();
    return std::nullopt;
  }
  auto parsed = parseHostPort(text);
  if (!parsed.value) {
    return parsed.problem;
  }
  c.sip_tls_listen = parsed.value;
  return std::nullopt;
}

Problem applyLogLevel(std::string_view text, Config& c) {
  const auto level = log::parseLevel(text);
  if (!level) {
    return "unknown level \"" + std::string(text) + "\" (trace, debug, info, warn, error, off)";
  }
  c.log_level = *level;
  return std::nullopt;
}

// "sip=debug,db=warn": the same grammar from env and flags as the [log.components] table.
Problem applyLogComponents(std::string_view text, Config& c) {
  for (const std::string_view item : text::splitList(text)) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return "expected component=level, got \"" + std::string(item) + "\"";
    }
    const auto level = log::parseLevel(item.substr(eq + 1));
    if (!level) {
      return "unknown level \"" + std::string(item.substr(eq + 1)) + "\" for component " +
             std::string(item.substr(0, eq));
    }
    c.log_components[std::string(item.substr(0, eq))] = *level;
  }
  return std::nullopt;
}

const std::vector<OptionSpec>& specs() {
  static const std::vector<OptionSpec> kSpecs{
      {"sip.listen", "MCU_SIP_LISTEN", "--sip-listen", ValueType::kString, "0.0.0.0:5060",
       "SIP listening address (host:port), UDP and TCP", hostPort(&Config::sip_listen)},
      {"sip.tls_listen", "MCU_SIP_TLS_LISTEN", "--sip-tls-listen", ValueType::kString, "",
       "SIPS/TLS listening address (host:port); empty disables TLS", applyTlsListen},
      {"sip.tls_cert_dir", "MCU_SIP_TLS_CERT_DIR", "--sip-tls-cert-dir", ValueType::kString, "",
       "directory holding agent.pem (key + certificate) and cafile.pem, needed with tls_listen",
       [](std::string_view t, Config& c) -> Problem {
         c.sip_tls_cert_dir = std::string(t);
         return std::nullopt;
       }},
      {"sip.retry_after_s", "MCU_SIP_RETRY_AFTER_S", "--sip-retry-after-s", ValueType::kInteger,
       "30", "Retry-After seconds sent with 503 while draining or overloaded (1-3600)",
       integer(&Config::sip_retry_after_s, 1, 3600)},
      {"sip.outbound_proxy", "MCU_SIP_OUTBOUND_PROXY", "--sip-outbound-proxy", ValueType::kString,
       "",
       "SIP URI every request we originate (dial-out) is sent through, e.g. a Kamailio or an"
       " SBC (sip:host:port;transport=tcp); empty: direct",
       [](std::string_view t, Config& c) -> Problem {
         if (!t.empty() && !t.starts_with("sip:") && !t.starts_with("sips:")) {
           return "expected a sip: or sips: URI";
         }
         c.sip_outbound_proxy = std::string(t);
         return std::nullopt;
       }},
      {"sip.tcp_idle_s", "MCU_SIP_TCP_IDLE_S", "--sip-tcp-idle-s", ValueType::kInteger, "120",
       "a TCP/TLS connection with nothing on it this long is closed; the next request opens a"
       " new one (1-86400)",
       integer(&Config::sip_tcp_idle_s, 1, 86400)},
      {"sip.refer_sources", "MCU_SIP_REFER_SOURCES", "--sip-refer-sources", ValueType::kString, "",
       "addresses (comma-separated) that may REFER a room outside any dialog to add or drop a"
       " participant (RFC 4579); participants may always REFER in their own dialog. Targets"
       " must pass dialout.allow",
       text(&Config::sip_refer_sources)},
      {"sip.max_pending_refers", "MCU_SIP_MAX_PENDING_REFERS", "--sip-max-pending-refers",
       ValueType::kInteger, "32", "REFERed calls not yet answered at once; more get 503 (1-10000)",
       integer(&Config::sip_max_pending_refers, 1, 10000)},
      {"sip.requests_per_source_per_s", "MCU_SIP_REQUESTS_PER_SOURCE_PER_S",
       "--sip-requests-per-source-per-s", ValueType::kInteger, "100",
       "INVITEs, OPTIONS and REFERs outside a dialog one address may send a second (bursts of"
       " twice that); more get 503 + Retry-After, like Kamailio's pike. 0: no limit (0-100000)",
       integer(&Config::sip_requests_per_source_per_s, 0, 100000)},
      {"sip.tcp_silent_s", "MCU_SIP_TCP_SILENT_S", "--sip-tcp-silent-s", ValueType::kInteger, "30",
       "a TCP/TLS connection that has sent nothing this long after it opened is closed (1-3600)",
       integer(&Config::sip_tcp_silent_s, 1, 3600)},
      {"sip.tcp_max_per_source", "MCU_SIP_TCP_MAX_PER_SOURCE", "--sip-tcp-max-per-source",
       ValueType::kInteger, "256",
       "TCP/TLS connections one address may hold; beyond, the most silent are closed (1-100000)",
       integer(&Config::sip_tcp_max_per_source, 1, 100000)},
      {"sip.max_subscriptions_per_room", "MCU_SIP_MAX_SUBSCRIPTIONS_PER_ROOM",
       "--sip-max-subscriptions-per-room", ValueType::kInteger, "200",
       "RFC 4575 conference-event subscriptions to one room; more get 503 (1-100000)",
       integer(&Config::sip_max_subscriptions_per_room, 1, 100000)},
      {"sip.max_subscriptions_per_source", "MCU_SIP_MAX_SUBSCRIPTIONS_PER_SOURCE",
       "--sip-max-subscriptions-per-source", ValueType::kInteger, "50",
       "RFC 4575 subscriptions from one address, over all rooms; more get 503 (1-100000)",
       integer(&Config::sip_max_subscriptions_per_source, 1, 100000)},
      {"rooms.max_lines_per_dialog", "MCU_ROOMS_MAX_LINES_PER_DIALOG",
       "--rooms-max-lines-per-dialog", ValueType::kInteger, "4",
       "audio lines of one dialog taken as callers, each its own participant (a trunk carrying"
       " several callers, RFC 3264); further lines are answered with port 0. Lines on one"
       " address and port are one caller (best-effort SRTP twins). 1: one caller per dialog"
       " (1-16)",
       integer(&Config::rooms_max_lines_per_dialog, 1, 16)},
      {"http.listen", "MCU_HTTP_LISTEN", "--http-listen", ValueType::kString, "127.0.0.1:8080",
       "REST API and health listening address (host:port)", hostPort(&Config::http_listen)},
      {"database.url", "DATABASE_URL", "--database-url", ValueType::kString, "",
       "PostgreSQL connection URI (libpq), e.g. postgresql://mcu@127.0.0.1:5432/mcu; required",
       [](std::string_view t, Config& c) -> Problem {
         if (!t.empty() && !t.starts_with("postgresql://") && !t.starts_with("postgres://")) {
           return "expected a postgresql:// URI";
         }
         c.database_url = std::string(t);
         return std::nullopt;
       }},
      {"database.retry_max_s", "MCU_DATABASE_RETRY_MAX_S", "--database-retry-max-s",
       ValueType::kInteger, "10", "longest wait between reconnection attempts, seconds (1-300)",
       integer(&Config::database_retry_max_s, 1, 300)},
      {"database.queue_limit", "MCU_DATABASE_QUEUE_LIMIT", "--database-queue-limit",
       ValueType::kInteger, "100000",
       "pending database writes held in memory while PostgreSQL is away (100-10000000)",
       integer(&Config::database_queue_limit, 100, 10000000)},
      {"node.id", "MCU_NODE_ID", "--node-id", ValueType::kString, "",
       "this server's name in the database (calls it records, its heartbeat); empty: the"
       " host name and SIP port. Keep it across restarts: calls left open by a crash are closed"
       " by the next start with the same id",
       text(&Config::node_id)},
      {"cluster.enabled", "MCU_CLUSTER_ENABLED", "--cluster-enabled", ValueType::kBoolean, "false",
       "several nodes share the database behind a SIP proxy (deploy/kamailio): a room lives on"
       " the node that claimed it; callers of a room owned by another node get 302 to it",
       boolean(&Config::cluster_enabled)},
      {"cluster.lease_ms", "MCU_CLUSTER_LEASE_MS", "--cluster-lease-ms", ValueType::kInteger,
       "3000",
       "a node's rooms may be claimed by another node this long after its last renewal (sent"
       " every third of it), milliseconds (1000-60000)",
       integer(&Config::cluster_lease_ms, 1000, 60000)},
      {"cluster.sip_address", "MCU_CLUSTER_SIP_ADDRESS", "--cluster-sip-address",
       ValueType::kString, "",
       "host:port the other nodes send this node's rooms' callers to (302 Contact); empty:"
       " sip.listen, which must then not be a wildcard address",
       text(&Config::cluster_sip_address)},
      {"prompts.dir", "MCU_PROMPTS_DIR", "--prompts-dir", ValueType::kString, "",
       "directory of the audio files (WAV 8/16/48 kHz, Ogg/Opus) that POST .../playback may play"
       " by file name; empty: playback is off",
       text(&Config::prompts_dir)},
      {"prompts.spoken", "MCU_PROMPTS_SPOKEN", "--prompts-spoken", ValueType::kBoolean, "true",
       "speak the meeting prompts (only participant, wait for the moderator, the meeting starts"
       " or ends, the PIN, keypad help and count) with the voice built in; false: tones",
       boolean(&Config::prompts_spoken)},
      {"prompts.music", "MCU_PROMPTS_MUSIC", "--prompts-music", ValueType::kString, "",
       "a file in prompts.dir the room hears, looped, while a caller is alone or everyone waits"
       " for the moderator (a room's music wins); empty: none",
       text(&Config::prompts_music)},
      {"recordings.dir", "MCU_RECORDINGS_DIR", "--recordings-dir", ValueType::kString, "",
       "directory room recordings are written to (POST /v1/rooms/{name}/recordings); empty:"
       " recording is off",
       text(&Config::recordings_dir)},
      {"recordings.min_free_mb", "MCU_RECORDINGS_MIN_FREE_MB", "--recordings-min-free-mb",
       ValueType::kInteger, "1024",
       "a recording ends (recording.stopped, disk_full) when its disk has less free space, in"
       " MB (0-1000000)",
       integer(&Config::recordings_min_free_mb, 0, 1000000)},
      {"recordings.announce", "MCU_RECORDINGS_ANNOUNCE", "--recordings-announce",
       ValueType::kBoolean, "true",
       "the room hears that it is being recorded when a recording starts",
       boolean(&Config::recordings_announce)},
      {"recordings.retention_h", "MCU_RECORDINGS_RETENTION_H", "--recordings-retention-h",
       ValueType::kInteger, "0",
       "hours a finished recording is kept, then its file and row are deleted (checked at start"
       " and hourly); 0: kept until deleted over REST (0-876000)",
       integer(&Config::recordings_retention_h, 0, 876000)},
      {"shutdown.timeout_s", "MCU_SHUTDOWN_TIMEOUT_S", "--shutdown-timeout-s", ValueType::kInteger,
       "10", "longest graceful shutdown (end calls, flush writes), seconds (1-600)",
       integer(&Config::shutdown_timeout_s, 1, 600)},
      {"media.bind", "MCU_MEDIA_BIND", "--media-bind", ValueType::kString, "0.0.0.0",
       "local address the RTP sockets bind to", text(&Config::media_bind)},
      {"media.address", "MCU_MEDIA_ADDRESS", "--media-address", ValueType::kString, "",
       "address put in SDP (c=); empty: this host's address on the route to each caller",
       text(&Config::media_address)},
      {"media.port_min", "MCU_MEDIA_PORT_MIN", "--media-port-min", ValueType::kInteger, "20000",
       "lowest RTP port (1024-65534)", integer(&Config::media_port_min, 1024, 65534)},
      {"media.port_max", "MCU_MEDIA_PORT_MAX", "--media-port-max", ValueType::kInteger, "29999",
       "highest RTP port (1025-65535); each participant takes two (RTP, RTCP)",
       integer(&Config::media_port_max, 1025, 65535)},
      {"media.threads", "MCU_MEDIA_THREADS", "--media-threads", ValueType::kInteger, "0",
       "media threads (0: one per core, 1-64)", integer(&Config::media_threads, 0, 64)},
      {"media.batched_io", "MCU_MEDIA_BATCHED_IO", "--media-batched-io", ValueType::kBoolean,
       "true",
       "RTP in and out through io_uring, a few syscalls per tick instead of one per packet"
       " (false, or a kernel/sandbox without io_uring: one per packet)",
       boolean(&Config::media_batched_io)},
      {"media.realtime_priority", "MCU_MEDIA_REALTIME_PRIORITY", "--media-realtime-priority",
       ValueType::kInteger, "10",
       "SCHED_FIFO priority of the media threads, so nothing else on the host preempts a tick"
       " (needs CAP_SYS_NICE or LimitRTPRIO=; refused: logged, normal scheduling; a thread that"
       " uses over 80 % of its core for a second gives it up until calm); 0: the normal"
       " scheduler (0-99)",
       integer(&Config::media_realtime_priority, 0, 99)},
      {"media.slow_tick_ms", "MCU_MEDIA_SLOW_TICK_MS", "--media-slow-tick-ms", ValueType::kInteger,
       "10",
       "a media tick (20 ms) longer than this is logged (slow_tick) with where its time went,"
       " at most once a second per media thread; 0: never (0-1000)",
       integer(&Config::media_slow_tick_ms, 0, 1000)},
      {"media.spread_room_above", "MCU_MEDIA_SPREAD_ROOM_ABOVE", "--media-spread-room-above",
       ValueType::kInteger, "100",
       "a room with this many callers takes the next ones on every media thread, so one room"
       " uses every core (0: every room spreads, 0-100000)",
       integer(&Config::media_spread_room_above, 0, 100000)},
      {"media.codecs", "MCU_MEDIA_CODECS", "--media-codecs", ValueType::kString,
       "opus,G722,PCMU,PCMA", "codec preference for SDP answers, first wins", applyCodecs},
      {"media.rtp_timeout_s", "MCU_MEDIA_RTP_TIMEOUT_S", "--media-rtp-timeout-s",
       ValueType::kInteger, "30",
       "a call whose RTP stopped this long (not on hold) is ended with BYE (1-3600)",
       integer(&Config::media_rtp_timeout_s, 1, 3600)},
      {"media.srtp", "MCU_MEDIA_SRTP", "--media-srtp", ValueType::kString, "optional",
       "SRTP by SDES (RFC 4568): off (RTP/SAVP declined), optional (SAVP answered when offered"
       " over TLS), required (plain RTP refused with 488)",
       [](std::string_view t, Config& c) -> Problem {
         if (t != "off" && t != "optional" && t != "required") {
           return "expected off, optional or required";
         }
         c.media_srtp = std::string(t);
         return std::nullopt;
       }},
      {"media.srtp_over_insecure_sip", "MCU_MEDIA_SRTP_OVER_INSECURE_SIP",
       "--media-srtp-over-insecure-sip", ValueType::kBoolean, "false",
       "take and give SRTP keys in SDP over UDP/TCP too (anyone on the path reads them)",
       boolean(&Config::media_srtp_over_insecure_sip)},
      {"rooms.on_demand", "MCU_ROOMS_ON_DEMAND", "--rooms-on-demand", ValueType::kBoolean, "true",
       "an INVITE to an unknown room creates it (false: 404)", boolean(&Config::rooms_on_demand)},
      {"rooms.entry_exit_tones", "MCU_ROOMS_ENTRY_EXIT_TONES", "--rooms-entry-exit-tones",
       ValueType::kBoolean, "false",
       "the room hears a short rising tone when a caller joins and a falling one when a caller"
       " leaves (a room's entry_exit_tones wins)",
       boolean(&Config::rooms_entry_exit_tones)},
      {"rooms.on_demand_per_minute", "MCU_ROOMS_ON_DEMAND_PER_MINUTE",
       "--rooms-on-demand-per-minute", ValueType::kInteger, "60",
       "new rooms one source address may create by INVITE per minute; beyond, 403 (0: no cap;"
       " behind a proxy every caller has the proxy's address: raise it) (0-100000)",
       integer(&Config::rooms_on_demand_per_minute, 0, 100000)},
      {"rooms.on_demand_ttl_s", "MCU_ROOMS_ON_DEMAND_TTL_S", "--rooms-on-demand-ttl-s",
       ValueType::kInteger, "3600",
       "seconds an on-demand room's row is kept after its last caller left, then purged (its"
       " call history keeps the room's name) (0-31536000)",
       integer(&Config::rooms_on_demand_ttl_s, 0, 31'536'000)},
      {"rooms.factory", "MCU_ROOMS_FACTORY", "--rooms-factory", ValueType::kString,
       "conference-factory",
       "user part of the conference factory URI (RFC 4579): an INVITE to it gets a new room with"
       " an unguessable name, given in the 200's Contact; empty: none",
       [](std::string_view t, Config& c) -> Problem {
         // A room name's rule (migration 0001): it is dialled as one.
         const auto room_char = [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' ||
                  ch == '-';
         };
         if (!t.empty() && (t.size() > 64 || std::isalnum(static_cast<unsigned char>(t[0])) == 0 ||
                            !std::all_of(t.begin(), t.end(), room_char))) {
           return "expected a room-like name (letters, digits, . _ -)";
         }
         c.rooms_factory = std::string(t);
         return std::nullopt;
       }},
      {"rooms.max_participants", "MCU_ROOMS_MAX_PARTICIPANTS", "--rooms-max-participants",
       ValueType::kInteger, "1000",
       "participants the server takes in all; beyond, INVITE gets 503 + Retry-After (1-100000)",
       integer(&Config::max_participants, 1, 100000)},
      {"rooms.cpu_budget_percent", "MCU_ROOMS_CPU_BUDGET_PERCENT", "--rooms-cpu-budget-percent",
       ValueType::kInteger, "0",
       "CPU the server may use, in % of one core (200 = two cores); above it new INVITEs get"
       " 503 + Retry-After while live calls go on (0: no budget; 0-10000)",
       integer(&Config::cpu_budget_percent, 0, 10000)},
      {"events.retention_h", "MCU_EVENTS_RETENTION_H", "--events-retention-h", ValueType::kInteger,
       "168", "hours the event log (GET /v1/events replay) keeps an event (1-87600)",
       integer(&Config::events_retention_h, 1, 87600)},
      {"dialout.allow", "MCU_DIALOUT_ALLOW", "--dialout-allow", ValueType::kString, "",
       "hosts REST dial-out may call: comma-separated names, addresses or *.domain patterns;"
       " empty: dial-out is off (no toll fraud by default)",
       text(&Config::dialout_allow)},
      {"http.event_streams", "MCU_HTTP_EVENT_STREAMS", "--http-event-streams", ValueType::kInteger,
       "4", "event streams (SSE) open at once; each holds a thread (1-32)",
       integer(&Config::http_event_streams, 1, 32)},
      {"http.request_timeout_s", "MCU_HTTP_REQUEST_TIMEOUT_S", "--http-request-timeout-s",
       ValueType::kInteger, "10",
       "a request must arrive whole this many seconds after its first byte, or gets 408 and"
       " the connection is closed (slow clients) (1-300)",
       integer(&Config::http_request_timeout_s, 1, 300)},
      {"http.idle_timeout_s", "MCU_HTTP_IDLE_TIMEOUT_S", "--http-idle-timeout-s",
       ValueType::kInteger, "30",
       "a keep-alive connection with no request this long is closed (1-3600)",
       integer(&Config::http_idle_timeout_s, 1, 3600)},
      {"http.max_connections", "MCU_HTTP_MAX_CONNECTIONS", "--http-max-connections",
       ValueType::kInteger, "4096",
       "HTTP connections open at once; more are answered 503 and closed (16-1000000)",
       integer(&Config::http_max_connections, 16, 1000000)},
      {"http.max_connections_per_source", "MCU_HTTP_MAX_CONNECTIONS_PER_SOURCE",
       "--http-max-connections-per-source", ValueType::kInteger, "64",
       "HTTP connections open at once from one address; more are answered 503 (1-1000000)",
       integer(&Config::http_max_connections_per_source, 1, 1000000)},
      {"http.tls_cert", "MCU_HTTP_TLS_CERT", "--http-tls-cert", ValueType::kString, "",
       "PEM certificate chain; with http.tls_key the API listener speaks HTTPS only",
       text(&Config::http_tls_cert)},
      {"http.tls_key", "MCU_HTTP_TLS_KEY", "--http-tls-key", ValueType::kString, "",
       "PEM private key of http.tls_cert", text(&Config::http_tls_key)},
      {"log.level", "MCU_LOG_LEVEL", "--log-level", ValueType::kString, "info",
       "default log level: trace, debug, info, warn, error, off", applyLogLevel},
      {"log.components", "MCU_LOG_COMPONENTS", "--log-components", ValueType::kTable, "",
       "per-component levels, e.g. sip=debug,db=warn (in TOML a table: [log.components])",
       applyLogComponents},
  };
  return kSpecs;
}

}  // namespace

std::span<const OptionSpec> optionSpecs() { return specs(); }

const OptionSpec* findOption(std::string_view key) {
  for (const auto& spec : specs()) {
    if (spec.key == key) {
      return &spec;
    }
  }
  return nullptr;
}

}  // namespace mcu::config
