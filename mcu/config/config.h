// The server's configuration: defaults, overridden by one TOML file, overridden by environment
// variables (MCU_*, and DATABASE_URL), overridden by command-line flags. Every option is
// declared once in config_schema.cpp; --help, the TOML key check and the env names derive from it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mcu/common/host_port.h"
#include "mcu/common/log.h"

namespace mcu::config {

struct Config {
  HostPort sip_listen{"0.0.0.0", 5060};
  std::optional<HostPort> sip_tls_listen;
  std::string sip_tls_cert_dir;
  int sip_retry_after_s = 30;
  std::string sip_outbound_proxy;
  int sip_tcp_idle_s = 120;
  std::string sip_refer_sources;  // comma-separated addresses that may REFER outside a dialog
  int sip_max_pending_refers = 32;
  int sip_requests_per_source_per_s = 100;
  int sip_tcp_silent_s = 30;
  int sip_tcp_max_per_source = 256;
  int sip_max_subscriptions_per_room = 200;
  int sip_max_subscriptions_per_source = 50;
  int rooms_max_lines_per_dialog = 4;
  std::string rooms_factory =
      "conference-factory";  // empty: our requests go straight to their target
  HostPort http_listen{"127.0.0.1", 8080};
  std::string database_url;
  int database_retry_max_s = 10;
  int database_queue_limit = 100000;
  int shutdown_timeout_s = 10;
  std::string node_id;              // empty: this host's name and the SIP port
  bool cluster_enabled = false;     // rooms owned by lease in PostgreSQL, shared with other nodes
  int cluster_lease_ms = 3000;      // how long a node's claim outlives its last renewal
  std::string cluster_sip_address;  // host:port other nodes redirect callers to; "": sip.listen
  std::string prompts_dir;          // audio files REST may play; empty: none
  bool prompts_spoken = true;       // the built-in voice for meeting prompts; false: tones
  std::string prompts_music;   // a file in prompts_dir, looped while alone or waiting; "": none
  std::string recordings_dir;  // where room recordings are written; empty: recording is off
  int recordings_min_free_mb = 1024;  // a recording ends when its disk has less free
  bool recordings_announce = true;    // the room is told when recording starts
  int recordings_retention_h = 0;     // then a finished recording is deleted; 0: kept
  std::string media_bind = "0.0.0.0";
  std::string media_address;  // empty: the local address toward each caller
  int media_port_min = 20000;
  int media_port_max = 29999;
  int media_threads = 0;  // 0: one per core
  bool media_batched_io = true;
  int media_realtime_priority = 10;
  int media_slow_tick_ms = 10;
  int media_spread_room_above = 100;
  std::string media_codecs = "opus,G722,PCMU,PCMA";
  int media_rtp_timeout_s = 30;
  std::string media_srtp = "optional";  // off | optional | required
  bool media_srtp_over_insecure_sip = false;
  bool rooms_on_demand = true;
  bool rooms_entry_exit_tones = false;  // a room's own setting wins
  int rooms_on_demand_per_minute = 60;
  int rooms_on_demand_ttl_s = 3600;
  int max_participants = 1000;
  int cpu_budget_percent = 0;  // of one core; 0: no CPU budget
  int events_retention_h = 168;
  std::string dialout_allow;  // comma-separated hosts or *.domain patterns; empty: no dial-out
  int http_event_streams = 4;
  int http_request_timeout_s = 10;
  int http_idle_timeout_s = 30;
  int http_max_connections = 4096;
  int http_max_connections_per_source = 64;
  std::string http_tls_cert;  // both set: the API listener is HTTPS
  std::string http_tls_key;
  log::Level log_level = log::Level::kInfo;
  std::map<std::string, log::Level, std::less<>> log_components;
};

// One line's worth: which key is wrong, where the value came from, and what is wrong with it.
struct ConfigError {
  std::string key;
  std::string source;  // "file:/etc/mcu.toml", "env:MCU_SIP_LISTEN", "flag:--sip-listen", "default"
  std::string problem;
};

// Values given as flags, by TOML key ("sip.listen" -> "127.0.0.1:5070"), plus the config file.
struct FlagValues {
  std::optional<std::string> config_file;
  std::map<std::string, std::string> by_key;
};

// The environment as name -> value, so tests need not touch the process environment.
using Environment = std::map<std::string, std::string>;
Environment processEnvironment();

std::variant<Config, ConfigError> load(const FlagValues& flags, const Environment& env);

}  // namespace mcu::config
