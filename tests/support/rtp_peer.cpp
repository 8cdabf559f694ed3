#include "tests/support/rtp_peer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <thread>

#include "mixer/core/audio_frame.h"
#include "mixer/core/level_meter.h"

namespace mcu::test {

RtpPeer::RtpPeer(mixer::codec::GstPipelineHost& gst, const mixer::codec::CodecSpec& spec,
                 double tone_hz, double amplitude)
    : spec_(spec),
      socket_(mixer::UdpSocket::bind("127.0.0.1", 0)),
      encoder_(gst, spec),
      decoder_(gst, spec),
      tone_(tone_hz, amplitude),
      ssrc_(std::random_device{}()) {}

void RtpPeer::setServerPort(std::uint16_t port) {
  server_port_ = port;
  server_ = *mixer::resolve({"127.0.0.1", port});
}

void RtpPeer::emit(const std::vector<std::uint8_t>& packet) {
  if (srtp_) {
    std::vector<std::uint8_t> secured(packet.size() + mixer::srtp::kSrtpMaxOverhead);
    std::copy(packet.begin(), packet.end(), secured.begin());
    secured.resize(srtp_->protectRtp(secured, packet.size()));
    socket_.send(secured, server_);
  } else {
    socket_.send(packet, server_);
  }
  ++sent_;
}

void RtpPeer::setSrtp(const mixer::srtp::SrtpKeys& keys) {
  srtp_ = mixer::srtp::SrtpSession::create(keys);
}

void RtpPeer::sendRaw(std::span<const std::uint8_t> bytes) { socket_.send(bytes, server_); }

void RtpPeer::sendFrame(int audio_level_ext_id) {
  mixer::core::Pcm pcm{};
  if (!silent_) {
    tone_.next(pcm);
  }
  std::vector<std::uint8_t> voiced;  // from voice_, which owns no buffer
  if (voice_) {
    voiced = voice_->encode(pcm);
  }
  const std::span<const std::uint8_t> payload = voice_ ? std::span(voiced) : encoder_.encode(pcm);
  const std::uint32_t step = mixer::codec::rtpTimestampsPerFrame(spec_.kind);
  mixer::rtp::RtpHeader header;
  header.payload_type = spec_.payload_type;
  header.sequence = sequence_++;
  header.timestamp = timestamp_;
  header.ssrc = ssrc_;
  if (audio_level_ext_id > 0) {
    header.audio_level =
        static_cast<std::uint8_t>(reported_level_.value_or(mixer::core::levelDbov(pcm)));
  }
  timestamp_ += step;
  ++frame_index_;
  // Held packets whose time has come go out first.
  for (auto& [frames_left, packet] : held_) {
    --frames_left;
  }
  while (!held_.empty() && held_.front().first <= 0) {
    emit(held_.front().second);
    held_.pop_front();
  }
  if (payload.empty()) {
    return;
  }
  // Longer packets (G.711, G.722: frames simply concatenate) as some phones send them.
  std::vector<std::uint8_t> body(payload.begin(), payload.end());
  if (frames_per_packet_ > 1) {
    if (pending_.empty()) {
      pending_timestamp_ = header.timestamp;
    }
    pending_.insert(pending_.end(), payload.begin(), payload.end());
    if (++pending_frames_ < frames_per_packet_) {
      return;
    }
    header.timestamp = pending_timestamp_;
    body.swap(pending_);
    pending_.clear();
    pending_frames_ = 0;
  }
  if (half_frame_packets_) {
    const std::size_t half = body.size() / 2;
    const bool drop_second = impairment_.drop_every > 0 &&
                             frame_index_ % static_cast<std::uint64_t>(impairment_.drop_every) == 0;
    for (std::size_t i = 0; i < 2; ++i) {
      const std::span<const std::uint8_t> part(body.data() + i * half, half);
      std::vector<std::uint8_t> packet(mixer::rtp::kMaxRtpPacket);
      packet.resize(mixer::rtp::writeRtp(header, part, packet, audio_level_ext_id));
      if (i == 0 || !drop_second) {
        emit(packet);
      }
      header.sequence = sequence_++;
      header.timestamp += static_cast<std::uint32_t>(half);
    }
    return;
  }
  std::vector<std::uint8_t> packet(mixer::rtp::kMaxRtpPacket);
  packet.resize(mixer::rtp::writeRtp(header, body, packet, audio_level_ext_id));
  const auto every = [&](int n) {
    return n > 0 && frame_index_ % static_cast<std::uint64_t>(n) == 0;
  };
  if (every(impairment_.drop_every)) {
    return;
  }
  if (every(impairment_.swap_every)) {
    held_.emplace_back(1, packet);
    return;
  }
  if (every(impairment_.delay_every)) {
    held_.emplace_back(2, packet);
    return;
  }
  emit(packet);
  if (every(impairment_.duplicate_every)) {
    emit(packet);
  }
}

void RtpPeer::sendDtmf(int event, std::uint8_t payload_type) {
  for (int i = 0; i < 3; ++i) {
    const bool end = i == 2;
    const std::array<std::uint8_t, 4> payload{static_cast<std::uint8_t>(event),
                                              static_cast<std::uint8_t>(end ? 0x8A : 0x0A), 0,
                                              static_cast<std::uint8_t>(160 * (i + 1))};
    mixer::rtp::RtpHeader header;
    header.payload_type = payload_type;
    header.marker = i == 0;
    header.sequence = sequence_++;
    header.timestamp = timestamp_;  // one event: one timestamp
    header.ssrc = ssrc_;
    std::vector<std::uint8_t> packet(64);
    packet.resize(mixer::rtp::writeRtp(header, payload, packet));
    emit(packet);
  }
  timestamp_ += 3 * 160;  // the next event (or audio) starts after this one
}

void RtpPeer::receiveAll() {
  std::array<std::uint8_t, 2048> buffer{};
  mixer::Endpoint from;
  for (;;) {
    const ssize_t n = socket_.receive(buffer, from);
    if (n < 0) {
      return;
    }
    std::span<const std::uint8_t> data(buffer.data(), static_cast<std::size_t>(n));
    const bool rtcp = mixer::rtp::looksLikeRtcp(data);
    if (srtp_) {
      const auto plain = rtcp ? srtp_->unprotectRtcp(buffer, data.size())
                              : srtp_->unprotectRtp(buffer, data.size());
      if (!plain) {
        ++srtp_failures_;
        continue;
      }
      data = data.first(*plain);
    }
    if (rtcp) {
      rtcp_.emplace_back(data.begin(), data.end());
      continue;
    }
    const auto packet = mixer::rtp::parseRtp(data, 0, csrc_level_id_);
    if (!packet) {
      continue;
    }
    received_.push_back({packet->header, packet->payload.size()});
    mixer::core::Pcm pcm{};
    // A sender that skipped frames (a server tick that sent nothing) says so in its timestamp,
    // and a phone conceals the gap. Decoded straight after the frame before it instead, Opus
    // overlaps two frames that never met: a click in every such frame (measured: -30 dB at
    // the tone a listener must not hear, under a busy machine). The decoder conceals the gap;
    // what is judged stays what was received (a concealed frame would count as a frame that
    // did not hear its tones, and the verdict would weigh how many ticks a busy machine
    // skipped). At most 10 frames: a longer jump is a new stream, not a gap.
    const std::uint32_t step = mixer::codec::rtpTimestampsPerFrame(spec_.kind);
    if (next_timestamp_) {
      const std::uint32_t ahead = packet->header.timestamp - *next_timestamp_;
      for (std::uint32_t gap = ahead / step; gap > 0 && gap <= 10; --gap) {
        decoder_.conceal(pcm);
      }
    }
    next_timestamp_ = packet->header.timestamp + step;
    decoder_.decode(packet->payload, pcm);
    audio_.insert(audio_.end(), pcm.begin(), pcm.end());
  }
}

std::vector<std::int16_t> RtpPeer::lastAudio(int ms) const {
  const auto n = static_cast<std::size_t>(ms) * 48;
  if (audio_.size() <= n) {
    return audio_;
  }
  return {audio_.end() - static_cast<std::ptrdiff_t>(n), audio_.end()};
}

std::vector<std::int16_t> RtpPeer::audioSince(std::size_t mark) const {
  if (mark >= audio_.size()) {
    return {};
  }
  return {audio_.begin() + static_cast<std::ptrdiff_t>(mark), audio_.end()};
}

std::chrono::milliseconds runFrames(std::vector<RtpPeer*> peers, int frames,
                                    int audio_level_ext_id) {
  using mixer::core::kFrameSamples;  // peers keep their audio at 48 kHz
  std::vector<std::size_t> marks;
  for (const RtpPeer* p : peers) {
    marks.push_back(p->audioMark());
  }
  const auto wanted = static_cast<std::size_t>(frames) * 9 / 10;
  const auto anyShort = [&] {
    for (std::size_t i = 0; i < peers.size(); ++i) {
      const std::size_t got = (peers[i]->audioMark() - marks[i]) / kFrameSamples;
      if (got > 0 && got < wanted) {
        return true;
      }
    }
    return false;
  };
  auto next = std::chrono::steady_clock::now();
  auto last_sent = next;
  std::chrono::steady_clock::duration longest{};
  for (int i = 0; i < 2 * frames && (i < frames || anyShort()); ++i) {
    const auto now = std::chrono::steady_clock::now();
    longest = std::max(longest, now - last_sent);
    last_sent = now;
    for (RtpPeer* p : peers) {
      p->sendFrame(audio_level_ext_id);
    }
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
    for (RtpPeer* p : peers) {
      p->receiveAll();
    }
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(longest);
}

}  // namespace mcu::test
