#include "mixer/engine/participant_stream.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <random>

#include "mixer/codec/codec_factory.h"
#include "mixer/codec/g711_level.h"
#include "mixer/core/level_meter.h"

namespace mcu::mixer {
namespace {

std::uint32_t randomU32() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<std::uint32_t>(rng());  // mt19937 yields 32 bits in a wider type
}

bool sameHost(const Endpoint& a, const Endpoint& b) {
  if (a.addr.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(a.addr).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(b.addr).sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a.addr).sin6_addr,
                     &reinterpret_cast<const sockaddr_in6&>(b.addr).sin6_addr,
                     sizeof(in6_addr)) == 0;
}

rtp::JitterBufferConfig jitterFor(const RoomMediaConfig& room, const codec::CodecSpec& spec) {
  rtp::JitterBufferConfig config = room.jitter;
  config.clock_rate = codec::rtpClockRate(spec.kind);
  return config;
}

}  // namespace

ParticipantStream::Handover ParticipantStream::handOver() {
  Handover h;
  h.rtp = std::move(socket_);
  h.rtcp = std::move(rtcp_socket_);
  h.endpoint = endpoint_;
  h.muted = muted_;
  h.deaf = deaf_;
  h.input_gain = input_gain_;
  h.output_gain = output_gain_;
  h.heard = heard_;
  h.last_heard_us = last_heard_us_;
  h.srtp = std::move(srtp_);
  return h;
}

ParticipantStream::ParticipantStream(ParticipantId id, UdpSocket socket, UdpSocket rtcp_socket,
                                     const MediaEndpoint& endpoint, const RoomMediaConfig& room,
                                     codec::GstPipelineHost& gst)
    : id_(id),
      endpoint_(endpoint),
      gst_(gst),
      socket_(std::move(socket)),
      rtcp_socket_(std::move(rtcp_socket)),
      remote_(resolve(endpoint.remote)),
      jitter_config_(room.jitter),
      jitter_(jitterFor(room, endpoint.codec)),
      writer_(randomU32(), static_cast<std::uint16_t>(randomU32()), randomU32(),
              codec::rtpTimestampsPerFrame(endpoint.codec.kind), endpoint.codec.payload_type),
      rtcp_(systemNtpNow, randomU32()) {
  counters_.ssrc_out = writer_.ssrc();
  writer_.setContributorLevelId(endpoint.csrc_level_ext_id);
  resolveRtcpDestination();
  startSrtp();
}

void ParticipantStream::startSrtp() {
  srtp_.reset();
  if (endpoint_.srtp) {
    srtp_ = srtp::SrtpSession::create(*endpoint_.srtp);
  }
}

std::size_t ParticipantStream::protect(std::span<std::uint8_t> packet, std::size_t size,
                                       bool rtcp) {
  if (!srtp_ || size == 0) {
    // Keys that libsrtp refused never send in clear what was negotiated as secure.
    return endpoint_.srtp && !srtp_ ? 0 : size;
  }
  return rtcp ? srtp_->protectRtcp(packet, size) : srtp_->protectRtp(packet, size);
}

std::optional<std::size_t> ParticipantStream::accept(std::span<std::uint8_t> buffer,
                                                     std::size_t length, bool rtcp,
                                                     std::int64_t now_us) {
  if (srtp_) {
    const auto plain =
        rtcp ? srtp_->unprotectRtcp(buffer, length) : srtp_->unprotectRtp(buffer, length);
    if (!plain) {
      ++counters_.srtp_auth_failed;  // dropped, counted, never the end of the call
      return std::nullopt;
    }
    length = *plain;
  }
  heard_ = true;
  last_heard_us_ = now_us;
  return length;
}

void ParticipantStream::resolveRtcpDestination() {
  if (endpoint_.rtcp_mux) {
    rtcp_remote_ = remote_;
    return;
  }
  const SocketAddress rtcp = endpoint_.remote_rtcp.value_or(
      SocketAddress{endpoint_.remote.host, static_cast<std::uint16_t>(endpoint_.remote.port + 1)});
  rtcp_remote_ = resolve(rtcp);
}

void ParticipantStream::update(const MediaEndpoint& endpoint) {
  const bool new_codec = !(endpoint.codec == endpoint_.codec);
  const bool new_remote = endpoint.remote.host != endpoint_.remote.host ||
                          endpoint.remote.port != endpoint_.remote.port;
  if (new_codec) {
    personal_encoder_.reset();
    writer_.setPayloadType(endpoint.codec.payload_type);
    writer_.setTimestampStep(codec::rtpTimestampsPerFrame(endpoint.codec.kind));
  }
  if (new_codec || new_remote) {
    // Another codec's clock, or another endpoint's stream (RFC 3725: a controller moved the
    // media): what the buffer holds belongs to the old one. Kept, it played a stale frame
    // about 600 ms after the move, after 160 ms of silence while the buffer followed the
    // new SSRC.
    decoder_.reset();
    auto config = jitter_config_;
    config.clock_rate = codec::rtpClockRate(endpoint.codec.kind);
    jitter_ = rtp::JitterBuffer(config);
  }
  if (new_remote) {
    remote_ = resolve(endpoint.remote);  // media follows a re-INVITE's new address at once
    latched_ = false;
    heard_ = false;  // ...once that address has sent us something
  }
  if (endpoint.receive && !endpoint_.receive) {
    last_packet_us_ = 0;  // resumed: the RTP timeout counts from now, not from before the hold
  }
  writer_.setContributorLevelId(endpoint.csrc_level_ext_id);
  const bool rekey = !(endpoint.srtp == endpoint_.srtp);
  endpoint_ = endpoint;
  resolveRtcpDestination();
  if (rekey) {
    startSrtp();
  }
}

void ParticipantStream::receive(std::int64_t now_us, MediaEvents* events) {
  // Not zeroed: recvfrom fills what is read, and this runs for every packet.
  std::array<std::uint8_t, rtp::kMaxRtpPacket + 1> buffer;
  Endpoint from;
  for (int i = 0; i < 64; ++i) {  // bounded: one flooding sender cannot hold the thread
    const ssize_t n = socket_.receive(buffer, from);
    if (n < 0) {
      return;
    }
    onDatagram(std::span(buffer.data(), static_cast<std::size_t>(n)), from, now_us, events);
  }
}

void ParticipantStream::onDatagram(std::span<std::uint8_t> datagram, const Endpoint& from,
                                   std::int64_t now_us, MediaEvents* events) {
  const bool from_remote = remote_ && from == *remote_;
  if (!from_remote) {
    // Only the negotiated address is heard, or with NAT latching the first source once.
    if (endpoint_.latch_remote && !latched_) {
      remote_ = from;
      latched_ = true;
    } else {
      ++counters_.dropped_wrong_source;
      return;
    }
  }
  const bool rtcp = rtp::looksLikeRtcp(datagram);
  const auto length = accept(datagram, datagram.size(), rtcp, now_us);
  if (!length) {
    return;
  }
  const std::span<const std::uint8_t> data(datagram.data(), *length);
  if (rtcp) {
    onRtcp(data);  // rtcp-mux (RFC 5761 §4)
    return;
  }
  const auto packet = rtp::parseRtp(data, endpoint_.audio_level_ext_id);
  if (!packet) {
    ++counters_.dropped_bad;
    return;
  }
  ++counters_.packets_in;
  counters_.bytes_in += datagram.size();
  onRtp(*packet, now_us, events);
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
  remote_ssrc_ = packet.header.ssrc;
  jitter_.push(packet, now_us, codec::payloadDurationTs(endpoint_.codec.kind, packet.payload));
  rtcp_.onPacket(packet.header.sequence, packet.header.ssrc,
                 jitter_.stats().jitter_ms * codec::rtpClockRate(endpoint_.codec.kind) / 1000.0);
}

void ParticipantStream::receiveRtcp(std::int64_t now_us) {
  std::array<std::uint8_t, rtp::kMaxRtpPacket> buffer{};
  Endpoint from;
  for (int i = 0; i < 16; ++i) {
    const ssize_t n = rtcp_socket_.receive(buffer, from);
    if (n < 0) {
      return;
    }
    onRtcpDatagram(std::span(buffer.data(), static_cast<std::size_t>(n)), from, now_us);
  }
}

void ParticipantStream::onRtcpDatagram(std::span<std::uint8_t> datagram, const Endpoint& from,
                                       std::int64_t now_us) {
  // The far end's RTCP may come from another port than its RTP, never from another host.
  if (!remote_ || from.addr.ss_family != remote_->addr.ss_family || !sameHost(from, *remote_)) {
    ++counters_.dropped_wrong_source;
    return;
  }
  if (const auto length = accept(datagram, datagram.size(), true, now_us)) {
    onRtcp(std::span(datagram.data(), *length));
  }
}

bool ParticipantStream::transmit(const UdpSocket& from, std::span<const std::uint8_t> packet,
                                 const Endpoint& to) {
  if (io_ != nullptr) {
    io_->send(from, packet, to);  // leaves with the tick's batch
    return true;
  }
  return from.send(packet, to);
}

void ParticipantStream::onRtcp(std::span<const std::uint8_t> data) {
  const auto report = rtcp_.onReport(data, writer_.ssrc());
  if (!report) {
    ++counters_.dropped_bad;
    return;
  }
  ++counters_.rtcp_received;
  counters_.remote_fraction_lost = report->fraction_lost;
  counters_.remote_cumulative_lost = report->cumulative_lost;
  counters_.remote_jitter_ms = report->jitter * 1000.0 / codec::rtpClockRate(endpoint_.codec.kind);
  if (report->rtt_ms) {
    counters_.rtt_ms = report->rtt_ms;
  }
}

void ParticipantStream::maybeSendRtcp(std::int64_t now_us) {
  if (!rtcp_remote_ || !heard_ || (counters_.packets_out == 0 && counters_.packets_in == 0)) {
    // Nowhere to send, not heard from (no reflection), or nothing flowed yet.
    return;
  }
  std::array<std::uint8_t, 256 + srtp::kSrtpMaxOverhead> packet{};
  const std::size_t report = rtcp_.reportIfDue(now_us, writer_, packet);
  if (report == 0) {
    return;
  }
  const std::size_t size = protect(packet, report, true);
  const UdpSocket& from = endpoint_.rtcp_mux ? socket_ : rtcp_socket_;
  if (size > 0 && transmit(from, std::span(packet.data(), size), *rtcp_remote_)) {
    ++counters_.rtcp_sent;
  }
}

// RFC 4733 §2.3: one event lasts several packets with the same timestamp; report it once.
void ParticipantStream::onTelephoneEvent(const rtp::RtpPacketView& packet, MediaEvents* events) {
  if (packet.payload.size() < 4 || packet.payload[0] >= rtp::kDtmfDigits.size()) {
    return;
  }
  if (last_dtmf_timestamp_ == packet.header.timestamp) {
    return;
  }
  last_dtmf_timestamp_ = packet.header.timestamp;
  if (events != nullptr) {
    events->onDtmf(id_, rtp::kDtmfDigits[packet.payload[0]]);
  }
}

void ParticipantStream::takeFrame(std::int64_t now_us) {
  decoded_ = false;
  level_dbov_ = core::kSilenceDbov;
  // The rest of a packet longer than a frame (30, 40, 60 ms) is this tick's audio.
  buffered_ = decoder_ && decoder_->hasBufferedFrame();
  frame_.reset();
  if (!buffered_) {
    frame_ = jitter_.pop(now_us);
  }
  // Read from the payload when it arrived; the jitter buffer placed the next packet by it.
  const std::int64_t duration = frame_ ? frame_->duration_ts : 0;
  if (frame_ && duration > 0 && duration < frameTs()) {
    joinShortPackets(duration);
    if (endpoint_.receive && !muted_) {
      level_dbov_ = last_level_dbov_ = core::levelDbov(pcm_);
    }
    return;
  }
  if (!endpoint_.receive || muted_) {
    return;
  }
  if (!frame_ && !buffered_) {
    // Late or lost: the level is the last known one, and nothing is decoded or concealed
    // unless the room mixes this participant (pcm() then conceals). Concealing every
    // listener's missing packet built a decoder for nearly every caller of a large room (a
    // GStreamer chain each, made on the tick), and tearing a thousand of them down held a
    // tick for 1.3 s.
    if (jitter_.playing()) {
      level_dbov_ = last_level_dbov_;
    }
    return;
  }
  // The level without decoding, when the packet is exactly this tick's frame: from RFC 6464,
  // or for G.711 from its bytes. The decoder then runs only if the room mixes this one.
  if (frame_ && duration == frameTs()) {
    const auto level = frame_->header.audio_level
                           ? std::optional<int>(*frame_->header.audio_level)
                           : codec::g711LevelDbov(endpoint_.codec.kind, frame_->payload);
    if (level) {
      level_dbov_ = last_level_dbov_ = *level;
      return;
    }
  }
  level_dbov_ = last_level_dbov_ = core::levelDbov(pcm());
}

// Packets shorter than a frame (10 ms is legal, and some gateways send G.711 so): one a tick
// played 10 ms of every 20 and fell behind, so this tick also takes the packets that continue
// this one, and the decoder's FIFO makes the frame of them. They are decoded now, levels or
// not: the RFC 6464 level of one 10 ms packet is not the frame's.
void ParticipantStream::joinShortPackets(std::int64_t duration) {
  if (!decoder_) {
    decoder_ = codec::makeDecoder(gst_, endpoint_.codec);
  }
  bool whole = decoder_->decode(frame_->payload, pcm_);
  for (std::int64_t joined = duration; !whole && joined < frameTs();) {
    const auto next = jitter_.popContinuation();
    if (!next || next->duration_ts <= 0) {
      break;
    }
    joined += next->duration_ts;
    whole = decoder_->decode(next->payload, pcm_);
  }
  if (!whole) {
    // The rest is late or lost: what came plays now and the decoder conceals the rest.
    // Before, the frame was silent and what came waited in the decoder, to play a frame late.
    decoder_->conceal(pcm_);
  }
  frame_.reset();
  decoded_ = true;
}

std::int64_t ParticipantStream::frameTs() const {
  return codec::rtpTimestampsPerFrame(endpoint_.codec.kind);
}

const core::Pcm& ParticipantStream::pcm() {
  if (!decoded_) {
    decoded_ = true;
    // Created on first use: a listener whose level comes from RFC 6464 never needs one.
    if ((frame_ || jitter_.playing()) && !decoder_) {
      decoder_ = codec::makeDecoder(gst_, endpoint_.codec);
    }
    if (buffered_) {
      decoder_->takeBuffered(pcm_);
    } else if (frame_) {
      decoder_->decode(frame_->payload, pcm_);
    } else if (const auto next = jitter_.peekNext()) {
      counters_.recovered += decoder_->concealBefore(next->payload, pcm_) ? 1U : 0U;
      ++counters_.concealed_with_next;
    } else if (jitter_.playing()) {
      decoder_->conceal(pcm_);
    } else {
      pcm_.fill(0);
    }
  }
  return pcm_;
}

std::span<const std::uint8_t> ParticipantStream::encodePersonal(const core::Pcm& pcm) {
  if (!personal_encoder_) {
    personal_encoder_ = codec::makeEncoder(gst_, endpoint_.codec);
  }
  return personal_encoder_->encode(pcm);
}

void ParticipantStream::sendPayload(std::span<const std::uint8_t> payload,
                                    std::span<const std::uint32_t> contributors,
                                    std::span<const std::uint8_t> levels) {
  if (payload.empty() || !remote_) {
    writer_.skip();
    return;
  }
  // Not zeroed: the writer fills what is sent, and this runs for every packet we send.
  std::array<std::uint8_t, rtp::kMaxRtpPacket + srtp::kSrtpMaxOverhead> packet;
  const std::size_t size =
      protect(packet, writer_.write(payload, packet, contributors, levels), false);
  if (size > 0 && transmit(socket_, std::span(packet.data(), size), *remote_)) {
    ++counters_.packets_out;
    counters_.bytes_out += size;
  }
}

bool ParticipantStream::mixPrompt(core::Pcm& pcm, std::vector<PlaybackId>& finished) {
  core::Pcm frame;
  if (!prompts_.next(frame, finished)) {
    return false;
  }
  for (std::size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<std::int16_t>(std::clamp(int{pcm[i]} + int{frame[i]}, -32768, 32767));
  }
  return true;
}

void ParticipantStream::queueDtmf(char digit) {
  if (endpoint_.telephone_event_pt >= 0) {
    dtmf_.queue(digit);
  }
}

bool ParticipantStream::sendDtmfPacket() {
  if (!dtmf_.sending() || !remote_) {
    return false;
  }
  const auto event =
      dtmf_.next(writer_.nextTimestamp(), codec::rtpTimestampsPerFrame(endpoint_.codec.kind));
  if (!event) {
    return false;
  }
  std::array<std::uint8_t, 64 + srtp::kSrtpMaxOverhead> packet{};
  const std::size_t size = protect(
      packet,
      writer_.writeEvent(event->payload, static_cast<std::uint8_t>(endpoint_.telephone_event_pt),
                         event->timestamp, event->marker, packet),
      false);
  if (size > 0 && transmit(socket_, std::span(packet.data(), size), *remote_)) {
    ++counters_.packets_out;
    counters_.bytes_out += size;
  }
  return true;
}

bool ParticipantStream::checkTimeout(std::int64_t now_us, int timeout_ms) {
  const std::int64_t timeout_us = static_cast<std::int64_t>(timeout_ms) * 1000;
  if (heard_ && now_us - last_heard_us_ > timeout_us) {
    heard_ = false;  // gone quiet (or never was ours): stop sending until it speaks again
  }
  if (!endpoint_.receive || timed_out_) {
    return false;
  }
  if (last_packet_us_ == 0) {
    last_packet_us_ = now_us;  // a caller that never sends is timed out from its joining
    return false;
  }
  if (now_us - last_packet_us_ > timeout_us) {
    timed_out_ = true;
    return true;
  }
  return false;
}

ParticipantStats ParticipantStream::stats() const {
  ParticipantStats s = counters_;
  const auto& j = jitter_.stats();
  // Frames concealed while the stream played; the run of them after a talk burst ends (the
  // sender went quiet or stopped) is not loss, and the jitter buffer takes it back.
  s.lost = j.concealed;
  s.late = j.late;
  s.duplicates = j.duplicates;
  s.jitter_ms = j.jitter_ms;
  s.level_dbov = level_dbov_;
  s.ssrc_in = remote_ssrc_;
  s.decoding = decoder_ != nullptr;
  s.talking = talking_;
  s.selected = selected_;
  s.added_latency_ms = j.last_wait_ms;
  return s;
}

}  // namespace mcu::mixer
