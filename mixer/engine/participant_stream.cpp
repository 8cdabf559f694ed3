#include "mixer/engine/participant_stream.h"

#include <array>
#include <random>

#include "mixer/core/level_meter.h"

namespace mcu::mixer {
namespace {

constexpr std::string_view kDtmfDigits = "0123456789*#ABCD";

std::uint32_t randomU32() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return rng();
}

std::uint32_t timestampStep(const codec::CodecSpec& spec) {
  return static_cast<std::uint32_t>(codec::rtpClockRate(spec.kind) / 50);
}

rtp::JitterBufferConfig jitterFor(const RoomMediaConfig& room, const codec::CodecSpec& spec) {
  rtp::JitterBufferConfig config = room.jitter;
  config.clock_rate = codec::rtpClockRate(spec.kind);
  return config;
}

}  // namespace

ParticipantStream::ParticipantStream(ParticipantId id, UdpSocket socket,
                                     const MediaEndpoint& endpoint, const RoomMediaConfig& room,
                                     codec::GstPipelineHost& gst)
    : id_(id),
      socket_(std::move(socket)),
      endpoint_(endpoint),
      gst_(gst),
      remote_(resolve(endpoint.remote)),
      jitter_(jitterFor(room, endpoint.codec)),
      writer_(randomU32(), static_cast<std::uint16_t>(randomU32()), randomU32(),
              timestampStep(endpoint.codec), endpoint.codec.payload_type) {
  counters_.ssrc_out = writer_.ssrc();
}

void ParticipantStream::update(const MediaEndpoint& endpoint) {
  if (!(endpoint.codec == endpoint_.codec)) {
    decoder_.reset();
    personal_encoder_.reset();
    writer_.setPayloadType(endpoint.codec.payload_type);
    writer_.setTimestampStep(timestampStep(endpoint.codec));
  }
  if (endpoint.remote.host != endpoint_.remote.host ||
      endpoint.remote.port != endpoint_.remote.port) {
    remote_ = resolve(endpoint.remote);  // media follows a re-INVITE's new address at once
    latched_ = false;
  }
  endpoint_ = endpoint;
}

void ParticipantStream::receive(std::int64_t now_us, MediaEvents* events) {
  std::array<std::uint8_t, rtp::kMaxRtpPacket + 1> buffer{};
  Endpoint from;
  for (int i = 0; i < 64; ++i) {  // bounded: one flooding sender cannot hold the thread
    const ssize_t n = socket_.receive(buffer, from);
    if (n < 0) {
      return;
    }
    const bool from_remote = remote_ && from == *remote_;
    if (!from_remote) {
      // Only the negotiated address is heard, or with NAT latching the first source once.
      if (endpoint_.latch_remote && !latched_) {
        remote_ = from;
        latched_ = true;
      } else {
        ++counters_.dropped_wrong_source;
        continue;
      }
    }
    const std::span<const std::uint8_t> data(buffer.data(), static_cast<std::size_t>(n));
    if (rtp::looksLikeRtcp(data)) {
      continue;  // rtcp-mux: RTCP reports are not read yet
    }
    const auto packet = rtp::parseRtp(data, endpoint_.audio_level_ext_id);
    if (!packet) {
      ++counters_.dropped_bad;
      continue;
    }
    ++counters_.packets_in;
    counters_.bytes_in += static_cast<std::uint64_t>(n);
    onRtp(*packet, now_us, events);
  }
}

void ParticipantStream::onRtp(const rtp::RtpPacketView& packet, std::int64_t now_us,
                              MediaEvents* events) {
  last_packet_us_ = now_us;
  timed_out_ = false;
  if (!seen_first_packet_) {
    seen_first_packet_ = true;
    if (events != nullptr) {
      events->onFirstPacket(id_);
    }
  }
  if (endpoint_.telephone_event_pt >= 0 &&
      packet.header.payload_type == endpoint_.telephone_event_pt) {
    onTelephoneEvent(packet, events);
    return;
  }
  if (packet.header.payload_type != endpoint_.codec.payload_type) {
    ++counters_.dropped_bad;
    return;
  }
  jitter_.push(packet, now_us);
}

// RFC 4733 §2.3: one event lasts several packets with the same timestamp; report it once.
void ParticipantStream::onTelephoneEvent(const rtp::RtpPacketView& packet, MediaEvents* events) {
  if (packet.payload.size() < 4 || packet.payload[0] >= kDtmfDigits.size()) {
    return;
  }
  if (last_dtmf_timestamp_ == packet.header.timestamp) {
    return;
  }
  last_dtmf_timestamp_ = packet.header.timestamp;
  if (events != nullptr) {
    events->onDtmf(id_, kDtmfDigits[packet.payload[0]]);
  }
}

void ParticipantStream::pullFrame(std::int64_t now_us) {
  frame_ = jitter_.pop(now_us);
  decoded_ = false;
  level_dbov_ = core::kSilenceDbov;
  if (!endpoint_.receive || muted_) {
    return;
  }
  if (frame_ && frame_->header.audio_level) {
    level_dbov_ = *frame_->header.audio_level;  // RFC 6464: no decode needed to rank it
    return;
  }
  if (frame_ || jitter_.playing()) {
    level_dbov_ = core::levelDbov(pcm());
  }
}

const core::Pcm& ParticipantStream::pcm() {
  if (!decoded_) {
    decoded_ = true;
    // Created on first use: a listener whose level comes from RFC 6464 never needs one.
    if ((frame_ || jitter_.playing()) && !decoder_) {
      decoder_ = std::make_unique<codec::AudioDecoder>(gst_, endpoint_.codec);
    }
    if (frame_) {
      decoder_->decode(frame_->payload, pcm_);
    } else if (jitter_.playing()) {
      decoder_->conceal(pcm_);
      ++counters_.lost;
    } else {
      pcm_.fill(0);
    }
  }
  return pcm_;
}

codec::AudioEncoder& ParticipantStream::personalEncoder() {
  if (!personal_encoder_) {
    personal_encoder_ = std::make_unique<codec::AudioEncoder>(gst_, endpoint_.codec);
  }
  return *personal_encoder_;
}

void ParticipantStream::sendPayload(std::span<const std::uint8_t> payload) {
  if (payload.empty() || !remote_) {
    writer_.skip();
    return;
  }
  std::array<std::uint8_t, rtp::kMaxRtpPacket> packet{};
  const std::size_t size = writer_.write(payload, packet);
  if (size > 0 && socket_.send(std::span(packet.data(), size), *remote_)) {
    ++counters_.packets_out;
    counters_.bytes_out += size;
  }
}

bool ParticipantStream::checkTimeout(std::int64_t now_us, int timeout_ms) {
  if (!endpoint_.receive || timed_out_ || last_packet_us_ == 0) {
    return false;
  }
  if (now_us - last_packet_us_ > static_cast<std::int64_t>(timeout_ms) * 1000) {
    timed_out_ = true;
    return true;
  }
  return false;
}

ParticipantStats ParticipantStream::stats() const {
  ParticipantStats s = counters_;
  const auto& j = jitter_.stats();
  s.late = j.late;
  s.duplicates = j.duplicates;
  s.jitter_ms = j.jitter_ms;
  s.level_dbov = level_dbov_;
  s.talking = talking_;
  s.selected = selected_;
  s.added_latency_ms = j.last_wait_ms;
  return s;
}

}  // namespace mcu::mixer
