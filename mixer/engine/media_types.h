// The vocabulary of the media engine's API: what a room and a participant are configured with,
// what comes back as statistics and events. No SIP, HTTP or SQL here: mcu/ translates.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "mixer/codec/codec.h"
#include "mixer/core/audio_frame.h"
#include "mixer/rtp/jitter_buffer_config.h"
#include "mixer/srtp/srtp_keys.h"

namespace mcu::mixer {

using RoomId = std::uint64_t;

// A prompt played over REST, to a room or one participant: the engine reports when it has been
// heard to its end (MediaEvents::onPlaybackFinished). kNone: a prompt nobody asks about (the
// PIN prompts).
enum class PlaybackId : std::uint64_t { kNone = 0 };

// Recordings of a room's mix (recording_writer.h).
enum class RecordingFormat : std::uint8_t { kOgg, kWav };
using RecordingKey = std::uint64_t;
struct RecordingEnd {
  std::string reason;  // stopped, room_ended, disk_full, write_failed, shutdown
  std::uint64_t bytes = 0;
  std::int64_t duration_ms = 0;  // of audio in the file
};

// An IPv4 or IPv6 address and port, as the SDP gave it.
struct SocketAddress {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const SocketAddress&) const = default;
};

struct MediaEndpoint {
  codec::CodecSpec codec;
  int telephone_event_pt = -1;               // RFC 4733 payload type, -1 if not negotiated
  int audio_level_ext_id = 0;                // RFC 6464 extension id, 0 if not negotiated
  int csrc_level_ext_id = 0;                 // RFC 6465 extension id, 0 if not negotiated
  SocketAddress remote;                      // where we send RTP (and RTCP, with rtcp-mux)
  bool rtcp_mux = true;                      // RFC 5761; otherwise RTCP uses our port + 1 and ...
  std::optional<SocketAddress> remote_rtcp;  // ... this address (default: remote port + 1)
  // NAT: accept and answer the first source that sends to us instead of `remote`.
  bool latch_remote = false;
  bool receive = true;  // its audio goes into the mix (false on hold)
  bool send = true;     // we send it the mix (false on hold)
  // SRTP (RFC 3711) with these keys; none: plain RTP.
  std::optional<srtp::SrtpKeys> srtp;
};

struct RoomMediaConfig {
  std::size_t max_speakers = 3;  // 0: everyone audible
  rtp::JitterBufferConfig jitter{};
  int rtp_timeout_ms = 30'000;
};

struct ParticipantStats {
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t dropped_bad = 0;           // not RTP, wrong payload type, absurd size
  std::uint64_t dropped_wrong_source = 0;  // from an address that is not the negotiated one
  std::uint64_t srtp_auth_failed = 0;      // SRTP/SRTCP that failed authentication or replay
  std::uint64_t lost = 0;                  // concealed frames while receiving
  // Of those mixed, concealed with the next packet already held: Opus rebuilds them from the
  // in-band FEC it carries (when the far end sends it; else libopus's PLC runs).
  std::uint64_t concealed_with_next = 0;
  // Of those, rebuilt from the FEC that next packet carried rather than guessed.
  std::uint64_t recovered = 0;
  std::uint64_t late = 0;
  std::uint64_t duplicates = 0;
  double jitter_ms = 0.0;
  int level_dbov = 127;
  bool talking = false;
  bool selected = false;          // in the top K this tick
  double added_latency_ms = 0.0;  // arrival of a packet to departure of the mix holding it
  std::uint32_t ssrc_out = 0;
  std::uint32_t ssrc_in = 0;  // the participant's own SSRC (0 before its first packet): our CSRC
  bool decoding = false;      // a decoder is built for it (it was mixed, or has no level to read)
  // What the far end reports about our stream (RTCP RR/SR).
  std::uint64_t rtcp_sent = 0;
  std::uint64_t rtcp_received = 0;
  double remote_fraction_lost = 0.0;
  std::int32_t remote_cumulative_lost = 0;
  double remote_jitter_ms = 0.0;
  std::optional<double> rtt_ms;
};

// Called on a media thread: implementations post to their own loop and return at once.
class MediaEvents {
 public:
  virtual ~MediaEvents() = default;
  virtual void onFirstPacket(ParticipantId id) = 0;
  virtual void onTalking(ParticipantId id, bool talking) = 0;
  virtual void onDtmf(ParticipantId id, char digit) = 0;
  virtual void onRtpTimeout(ParticipantId id) = 0;
  // A prompt with an id was played to its end (not for one that was stopped).
  virtual void onPlaybackFinished(PlaybackId id) = 0;
  // A recording's file is finalised (on the recording writer's thread), whoever ended it.
  virtual void onRecordingEnded(RoomId /*room*/, RecordingKey /*key*/,
                                const RecordingEnd& /*end*/) {}
};

// Upper bounds of the tick-duration histogram, in ms (and one more bucket above the last).
inline constexpr std::array<double, 6> kTickBucketsMs{1, 2, 5, 10, 20, 50};
using TickHistogram = std::array<std::uint64_t, kTickBucketsMs.size() + 1>;

struct EngineConfig {
  int threads = 2;  // media threads, about one per core
  std::string bind_host = "127.0.0.1";
  std::uint16_t port_min = 20000;
  std::uint16_t port_max = 29999;
  bool batched_io = true;  // io_uring when the kernel allows it (packet_io.h)
  // SCHED_FIFO priority of the media threads (1-99); 0: the normal scheduler (media_thread.h).
  // The server's configuration asks for 10 (media.realtime_priority); an engine made in a test
  // gets the normal scheduler unless it asks.
  int realtime_priority = 0;
  // A tick longer than this is written to the log with where its time went (at most a line a
  // second per thread); 0: none. The server's configuration asks for 10 (media.slow_tick_ms).
  double slow_tick_ms = 0;
  // A room with this many members takes its next ones on the media thread with the fewest of
  // them (room_link.h): a large room uses every core. 0: every room spreads.
  std::size_t spread_room_above = 100;
  // A recording whose disk has less free space than this ends (disk_full); 0: no floor.
  std::uint64_t recording_min_free_bytes = 0;
};

}  // namespace mcu::mixer
