// An Opus encoder as a phone is while its user speaks: libopus told the signal is voice, so
// that it codes in SILK or hybrid mode, and with in-band FEC (which is SILK's) unless told
// otherwise. Left to choose, libopus may code a steady test tone as music, in CELT, with no
// FEC at all; tests of FEC need packets they can count on.
#pragma once

#include <cstdint>
#include <vector>

#include "mixer/core/audio_frame.h"

// libopus's own type name, declared here so that only the .cpp includes <opus.h>.
// NOLINTNEXTLINE(modernize-use-using)
typedef struct OpusEncoder OpusEncoder;

namespace mcu::test {

class OpusVoiceEncoder {
 public:
  // 48 kHz mono, 32 kbit/s; with `fec`, in-band FEC for 10 % expected loss.
  explicit OpusVoiceEncoder(bool fec = true);
  ~OpusVoiceEncoder();
  OpusVoiceEncoder(const OpusVoiceEncoder&) = delete;
  OpusVoiceEncoder& operator=(const OpusVoiceEncoder&) = delete;

  // One 20 ms packet; empty if libopus failed.
  std::vector<std::uint8_t> encode(const mixer::core::Pcm& pcm);

 private:
  OpusEncoder* encoder_ = nullptr;
};

}  // namespace mcu::test
