// A participant as the media engine's tests see it: a UDP socket on 127.0.0.1 that sends a
// tone encoded with a real codec (paced by the test at 20 ms) and decodes what comes back, so
// the test can listen to it. Optional impairments reorder, duplicate, delay and drop packets.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/engine/udp_socket.h"
#include "mixer/rtp/rtp_packet.h"
#include "mixer/srtp/srtp_session.h"
#include "tests/support/opus_voice_encoder.h"
#include "tests/support/tone.h"

namespace mcu::test {

struct Impairment {
  int drop_every = 0;       // drop each Nth packet (0: none)
  int duplicate_every = 0;  // send each Nth packet twice
  int swap_every = 0;       // send each Nth packet after the next one
  int delay_every = 0;      // hold each Nth packet back by two frames (late, not lost)
};

struct ReceivedPacket {
  mixer::rtp::RtpHeader header;
  std::size_t payload_size;
};

class RtpPeer {
 public:
  RtpPeer(mixer::codec::GstPipelineHost& gst, const mixer::codec::CodecSpec& spec, double tone_hz,
          double amplitude = 8000.0);

  std::uint16_t port() const { return socket_.localPort(); }
  void setServerPort(std::uint16_t port);
  std::uint16_t serverPort() const { return server_port_; }
  void setImpairment(const Impairment& impairment) { impairment_ = impairment; }
  void setSilent(bool silent) { silent_ = silent; }
  // The RFC 6465 extension id to read contributors' levels from what we receive (0: none).
  void setContributorLevelId(int id) { csrc_level_id_ = id; }
  // G.711/G.722 only: `n` frames per packet (n x 20 ms), still paced one frame per call.
  void setFramesPerPacket(int n) { frames_per_packet_ = n; }
  // Each 20 ms frame as two 10 ms packets (G.711 only: its bytes are its samples), as some
  // gateways send. Of the impairments only drop_every applies: it drops the second half.
  void setHalfFramePackets(bool on) { half_frame_packets_ = on; }
  // Opus only: packets as a phone sends while its user speaks, with in-band FEC
  // (OpusVoiceEncoder), instead of the product's encoder, which codes a tone without any.
  void setVoiceFec(bool on) { voice_ = on ? std::make_unique<OpusVoiceEncoder>() : nullptr; }
  // The RFC 6464 level to claim instead of the measured one (a sender that lies, to show
  // whom the mixer believes).
  void setReportedLevel(std::optional<int> dbov) { reported_level_ = dbov; }
  // One 20 ms frame of our tone; optionally with an RFC 6464 level in extension `ext_id`.
  void sendFrame(int audio_level_ext_id = 0);
  // RFC 4733: one telephone-event (three packets, the last with the end bit).
  void sendDtmf(int event, std::uint8_t payload_type);
  // Sends raw bytes from this peer's socket (garbage tests).
  void sendRaw(std::span<const std::uint8_t> bytes);
  void receiveAll();

  // The decoded audio of the last `ms` milliseconds received.
  std::vector<std::int16_t> lastAudio(int ms) const;
  // A mark in the decoded audio, and what came after it: the audio of one phase of a test
  // only, however late the packets of the phase before arrived.
  std::size_t audioMark() const { return audio_.size(); }
  std::vector<std::int16_t> audioSince(std::size_t mark) const;
  const std::vector<ReceivedPacket>& received() const { return received_; }
  // RTCP packets the engine sent us (rtcp-mux), raw.
  const std::vector<std::vector<std::uint8_t>>& receivedRtcp() const { return rtcp_; }
  std::uint64_t packetsSent() const { return sent_; }
  std::uint32_t ssrc() const { return ssrc_; }
  // SRTP from now on: what it sends is protected, what it receives must authenticate (those
  // that do not are counted and dropped).
  void setSrtp(const mixer::srtp::SrtpKeys& keys);
  std::uint64_t srtpFailures() const { return srtp_failures_; }

 private:
  void emit(const std::vector<std::uint8_t>& packet);

  mixer::codec::CodecSpec spec_;
  mixer::UdpSocket socket_;
  mixer::Endpoint server_{};
  std::uint16_t server_port_ = 0;
  mixer::codec::AudioEncoder encoder_;
  std::unique_ptr<OpusVoiceEncoder> voice_;
  mixer::codec::AudioDecoder decoder_;
  ToneGenerator tone_;
  Impairment impairment_;
  int csrc_level_id_ = 0;
  bool silent_ = false;
  std::optional<int> reported_level_;
  std::uint16_t sequence_ = 1000;
  std::uint32_t timestamp_ = 5000;
  std::uint32_t ssrc_;
  std::uint64_t sent_ = 0;
  std::uint64_t frame_index_ = 0;
  int frames_per_packet_ = 1;
  bool half_frame_packets_ = false;
  int pending_frames_ = 0;
  std::vector<std::uint8_t> pending_;
  std::uint32_t pending_timestamp_ = 0;
  std::deque<std::pair<int, std::vector<std::uint8_t>>> held_;  // frames left, packet
  std::vector<std::int16_t> audio_;
  std::optional<std::uint32_t> next_timestamp_;  // of the frame after the last one received
  std::vector<ReceivedPacket> received_;
  std::vector<std::vector<std::uint8_t>> rtcp_;
  std::unique_ptr<mixer::srtp::SrtpSession> srtp_;
  std::uint64_t srtp_failures_ = 0;
};

// Paces a set of peers at 20 ms for `frames` frames: each sends one frame and drains its socket.
// A busy machine may stall the server or this thread for a while, and a peer then receives less
// audio than it was sent for; a verdict on that would judge the machine. So it goes on, for at
// most as many frames again, until every peer that received audio at all in this run received
// 90 % of `frames` (a removed or held peer, which receives none, does not hold it up).
// Returns the longest time this thread took between two frames: past about 30 ms the machine
// stalled the senders, and a gap in what the others hear may be the test's own.
std::chrono::milliseconds runFrames(std::vector<RtpPeer*> peers, int frames,
                                    int audio_level_ext_id = 0);

}  // namespace mcu::test
