// The yardstick of issue 13: Janus AudioBridge (Debian's `janus`) with plain-RTP participants,
// joined over its HTTP API, so that sip_crowd sends the same RTP to it as it sends to us and
// the two servers' CPU per participant-second are measured by the same generator in one run.
// A participant is one plugin handle (one handle joins one room), in one session for all.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mcu::test {

struct JanusRtpJoin {
  std::uint16_t local_port = 0;  // where Janus sends this participant the mix
  int payload_type = 111;        // Opus
  int level_ext = 1;             // RFC 6464 id our packets carry
};

class JanusBridge {
 public:
  JanusBridge(std::uint16_t http_port, std::uint64_t room);
  // Creates the session; false (and why on stderr) when Janus does not answer.
  bool open();
  // One more participant: Janus's own RTP port for it, or nothing (and why on stderr).
  std::optional<std::uint16_t> join(const JanusRtpJoin& rtp);

 private:
  std::optional<nlohmann::json> post(const std::string& path, nlohmann::json body);

  httplib::Client http_;
  std::uint64_t room_;
  std::uint64_t session_ = 0;
  std::uint64_t transaction_ = 0;
};

}  // namespace mcu::test
