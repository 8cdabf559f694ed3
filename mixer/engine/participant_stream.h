// One participant's media inside a room, owned by the room's media thread: its socket, the
// packets it sends us (validated, latched, jitter-buffered), its decoder, its personal encoder
// for when it talks, and the RTP stream we send it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mixer/codec/frame_decoder.h"
#include "mixer/codec/frame_encoder.h"
#include "mixer/codec/gst_push_chain.h"
#include "mixer/engine/media_types.h"
#include "mixer/engine/mix_member.h"
#include "mixer/engine/packet_io.h"
#include "mixer/engine/prompt_queue.h"
#include "mixer/engine/rtcp_reporter.h"
#include "mixer/engine/udp_socket.h"
#include "mixer/rtp/dtmf_sender.h"
#include "mixer/rtp/jitter_buffer.h"
#include "mixer/rtp/rtcp.h"
#include "mixer/rtp/rtp_stream_writer.h"
#include "mixer/srtp/srtp_session.h"

namespace mcu::mixer {

class ParticipantStream final : public MixMember {
 public:
  ParticipantStream(ParticipantId id, UdpSocket socket, UdpSocket rtcp_socket,
                    const MediaEndpoint& endpoint, const RoomMediaConfig& room,
                    codec::GstPipelineHost& gst);

  // What a participant takes along when it moves to a room on another thread (or the same):
  // its sockets (so its port and the SDP stay as they are), endpoint and controls. The codec
  // state is rebuilt on the new thread, whose GStreamer host it must use.
  struct Handover {
    UdpSocket rtp;
    UdpSocket rtcp;
    MediaEndpoint endpoint;
    bool muted = false;
    bool deaf = false;
    float input_gain = 1.0F;
    float output_gain = 1.0F;
    bool heard = false;  // the remote address has sent us something (see wantsAudio())
    std::int64_t last_heard_us = 0;
    // SRTP keeps its rollover counters and replay window across the move.
    std::unique_ptr<srtp::SrtpSession> srtp;
  };
  // Leaves this stream without sockets: it is to be destroyed right after.
  Handover handOver();
  void takeControls(Handover& h) {
    if (h.srtp) {
      srtp_ = std::move(h.srtp);
    }
    muted_ = h.muted;
    deaf_ = h.deaf;
    input_gain_ = h.input_gain;
    output_gain_ = h.output_gain;
    heard_ = h.heard;
    last_heard_us_ = h.last_heard_us;
  }

  ParticipantId id() const override { return id_; }
  int fd() const { return socket_.fd(); }
  int rtcpFd() const { return rtcp_socket_.fd(); }
  const MediaEndpoint& endpoint() const { return endpoint_; }
  void update(const MediaEndpoint& endpoint);

  // Reads everything waiting on the RTP socket (and RTCP on it, with rtcp-mux).
  void receive(std::int64_t now_us, MediaEvents* events);
  // Reads the separate RTCP socket (without rtcp-mux).
  void receiveRtcp(std::int64_t now_us);
  // One datagram read elsewhere (batched I/O) from the RTP socket, or the RTCP socket; it may
  // be decrypted in place. `now_us`: when it arrived.
  void onDatagram(std::span<std::uint8_t> datagram, const Endpoint& from, std::int64_t now_us,
                  MediaEvents* events);
  void onRtcpDatagram(std::span<std::uint8_t> datagram, const Endpoint& from, std::int64_t now_us);
  // The thread's batched I/O to send with from now on (null: one sendto per packet).
  void setPacketIo(PacketIo* io) { io_ = io; }
  // Tick, phase 1: take this tick's frame from the jitter buffer and report a level, and send
  // an RTCP report if one is due. Decodes only when the level has to be measured from the audio.
  void pullFrame(std::int64_t now_us) override {
    takeFrame(now_us);
    maybeSendRtcp(now_us);
  }
  int level() const override { return level_dbov_; }
  // Also while its stream plays and this tick's packet is missing: a talker is concealed
  // through a late packet rather than dropped from the mix and faded in again.
  bool mayBeMixed() const override {
    return endpoint_.receive && !muted_ && (frame_ || decoded_ || buffered_ || jitter_.playing());
  }
  // Phase 2: the 48 kHz frame for the mix (decoding or concealing as needed).
  const core::Pcm& pcm() override;
  float inputGain() const override { return input_gain_; }
  // One 20 ms frame in RTP timestamp units.
  std::int64_t frameTs() const;

  // Phase 3: what we send it. Deaf (e.g. waiting for its PIN): hears nothing of the room, only
  // its own prompts, and silence in between.
  // Nothing goes to an address before a packet came from it: otherwise an INVITE naming a third
  // party's address in its SDP aims our RTP at that party (~680x amplification measured).
  bool wantsAudio() const override { return endpoint_.send && remote_.has_value() && heard_; }
  bool deaf() const override { return deaf_; }
  float outputGain() const override { return output_gain_; }
  const codec::CodecSpec& codecSpec() const override { return endpoint_.codec; }
  // Its own encoder is built the first time it needs one (it talks, or hears a prompt).
  std::span<const std::uint8_t> encodePersonal(const core::Pcm& pcm) override;
  // `contributors`: the SSRCs of the talkers heard in it (RFC 3550 CSRC list); `levels`: their
  // levels in -dBov, in the same order (RFC 6465, when negotiated).
  void sendPayload(std::span<const std::uint8_t> payload,
                   std::span<const std::uint32_t> contributors,
                   std::span<const std::uint8_t> levels) override;
  // The SSRC it sends us (0 before its first packet): what a mix names it by.
  std::uint32_t remoteSsrc() const override { return remote_ssrc_; }
  // A prompt for this participant only: mixed into what it hears until it ends.
  void queuePrompt(std::shared_ptr<const std::vector<std::int16_t>> samples,
                   PlaybackId id = PlaybackId::kNone) {
    prompts_.push(std::move(samples), id);
  }
  bool stopPrompt(PlaybackId id) { return prompts_.stop(id); }
  bool hasPrompt() const override { return prompts_.playing(); }
  // Adds this tick's prompt frame to `pcm`; false when no prompt plays.
  bool mixPrompt(core::Pcm& pcm, std::vector<PlaybackId>& finished) override;
  // RFC 4733: queue a digit; while it plays, event packets replace the audio.
  void queueDtmf(char digit);
  // Sends this tick's event packet if a digit is being sent; false otherwise.
  bool sendDtmfPacket() override;
  void skipSend() override { writer_.skip(); }

  void setMuted(bool m) { muted_ = m; }
  void setDeaf(bool d) { deaf_ = d; }
  void setGains(float in, float out) {
    input_gain_ = in;
    output_gain_ = out;
  }
  void setTalking(bool t) override { talking_ = t; }
  bool talking() const { return talking_; }
  void setSelected(bool s) override { selected_ = s; }
  // RTP timeout: true once when no packet came for `timeout_ms` while receiving. Also stops
  // sending to a remote address that has been quiet (no RTP, no RTCP) that long.
  bool checkTimeout(std::int64_t now_us, int timeout_ms) override;
  bool heard() const { return heard_; }
  ParticipantStats stats() const;
  // Asks for the state a packet's arrival touches to be brought into cache (see
  // PacketIo::Prefetch).
  void prefetch() const {
    __builtin_prefetch(&remote_);
    __builtin_prefetch(&counters_);
    jitter_.prefetch();
  }

 private:
  void takeFrame(std::int64_t now_us);
  // Decodes this tick's packet, shorter than a frame, and those that continue it into pcm_.
  void joinShortPackets(std::int64_t duration);
  // Sends an RTCP sender report when its interval (about 5 s, RFC 3550 §6.2) is due.
  void maybeSendRtcp(std::int64_t now_us);
  void onRtp(const rtp::RtpPacketView& packet, std::int64_t now_us, MediaEvents* events);
  void onTelephoneEvent(const rtp::RtpPacketView& packet, MediaEvents* events);
  void onRtcp(std::span<const std::uint8_t> data);
  void resolveRtcpDestination();
  // SRTP per the endpoint's keys (none: plain RTP).
  void startSrtp();
  // A packet from the remote address, as read: checked and decrypted in place when SRTP is on
  // (a failure is counted and the packet dropped), and the address marked as heard from (we
  // may send to it). Its plain length, or nullopt to drop it.
  std::optional<std::size_t> accept(std::span<std::uint8_t> buffer, std::size_t length, bool rtcp,
                                    std::int64_t now_us);
  // A packet about to be sent, protected in place when SRTP is on; its length to send, 0 for
  // none.
  std::size_t protect(std::span<std::uint8_t> packet, std::size_t size, bool rtcp);
  // Sends from one of our sockets, batched when the thread has batched I/O.
  bool transmit(const UdpSocket& from, std::span<const std::uint8_t> packet, const Endpoint& to);

  ParticipantId id_;
  MediaEndpoint endpoint_;
  // Borrowed: the media thread's, which outlives its participants.
  codec::GstPipelineHost& gst_;
  PacketIo* io_ = nullptr;  // when the thread has batched I/O
  // Owned: its sockets (handed over on a move), SRTP contexts, codec chains.
  UdpSocket socket_;
  UdpSocket rtcp_socket_;
  std::unique_ptr<srtp::SrtpSession> srtp_;
  std::optional<Endpoint> remote_;
  bool latched_ = false;
  bool heard_ = false;  // a packet (RTP or RTCP) came from the remote host recently
  std::int64_t last_heard_us_ = 0;
  rtp::JitterBufferConfig jitter_config_;  // the room's; the clock rate follows the codec
  rtp::JitterBuffer jitter_;
  std::unique_ptr<codec::FrameDecoder> decoder_;
  std::unique_ptr<codec::FrameEncoder> personal_encoder_;
  rtp::RtpStreamWriter writer_;
  // Per tick.
  std::optional<rtp::Frame> frame_;
  bool decoded_ = false;
  bool buffered_ = false;  // this tick plays the rest of a long packet, already decoded
  int level_dbov_ = 127;
  int last_level_dbov_ = 127;  // of the last frame that came: a missing one's stand-in
  // Controls.
  bool muted_ = false;
  bool deaf_ = false;
  float input_gain_ = 1.0F;
  float output_gain_ = 1.0F;
  bool talking_ = false;
  bool selected_ = false;
  // Statistics and events.
  bool seen_first_packet_ = false;
  std::uint32_t remote_ssrc_ = 0;
  bool timed_out_ = false;
  std::int64_t last_packet_us_ = 0;
  std::optional<std::uint32_t> last_dtmf_timestamp_;
  ParticipantStats counters_;
  // Prompts and DTMF we send.
  PromptQueue prompts_;
  rtp::DtmfSender dtmf_;
  // RTCP.
  RtcpReporter rtcp_;
  std::optional<Endpoint> rtcp_remote_;
  // The tick's decoded samples (1.9 kB), last: in the middle they put the statistics 2 kB
  // away from the address and flags that every packet touches, one more cache miss per packet
  // per participant (perf at 1,000 callers: most of onDatagram's time was two such loads).
  core::Pcm pcm_{};
};

}  // namespace mcu::mixer
