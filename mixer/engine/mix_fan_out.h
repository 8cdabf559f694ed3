// Phase 3 of a tick (room_mixer.h): the room's mix to each member of this part. Listeners share
// one encode per distinct (codec configuration, output gain, deafness); a talker, or anyone
// hearing a prompt of their own, gets a personal one. This is the product's cost claim in code:
// N listeners on C configurations with K talkers cost K + C encodes a tick, whatever N is.
// No sockets or GStreamer here: recipients and encoders come in through interfaces.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "mixer/codec/frame_encoder.h"
#include "mixer/engine/mix_recipient.h"
#include "mixer/engine/room_link.h"

namespace mcu::mixer {

struct FanOutCounters {
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
};

class MixFanOut {
 public:
  // `make_encoder`: builds the shared encoder of a configuration, the first time one is needed.
  explicit MixFanOut(codec::EncoderFactory make_encoder) : make_encoder_(std::move(make_encoder)) {}

  void send(const MixOutput& out, std::span<MixRecipient* const> recipients);
  const FanOutCounters& counters() const { return counters_; }
  // The recipients' own prompts that ended in the ticks sent since the last call.
  void takeFinished(std::vector<PlaybackId>& out) {
    out.insert(out.end(), finished_.begin(), finished_.end());
    finished_.clear();
  }

 private:
  struct SharedKey {
    codec::CodecSpec spec;
    float gain;
    // Deaf listeners (a caller waiting for its PIN) share an encode of silence: they still get
    // a packet every 20 ms, so their phone and NAT keep the call (RFC 3550 has no keepalive).
    bool silent;
    bool operator<(const SharedKey& o) const;
  };
  // `contributors`: the SSRCs of the talkers heard in `heard` (the CSRC list it is sent with).
  void sendPersonal(MixRecipient& p, const core::Pcm& heard,
                    std::span<const std::uint32_t> contributors,
                    std::span<const std::uint8_t> levels);
  void sendShared(MixRecipient& p, const core::Pcm& heard,
                  std::span<const std::uint32_t> contributors,
                  std::span<const std::uint8_t> levels);

  codec::EncoderFactory make_encoder_;
  std::map<SharedKey, std::unique_ptr<codec::FrameEncoder>> shared_encoders_;
  // Reused every tick: no allocation once the room has seen its configurations.
  std::vector<std::pair<SharedKey, std::span<const std::uint8_t>>> encoded_;
  core::Pcm scratch_{};
  std::vector<PlaybackId> finished_;
  FanOutCounters counters_;
};

}  // namespace mcu::mixer
