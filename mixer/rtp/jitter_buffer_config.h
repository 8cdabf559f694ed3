// A jitter buffer's bounds: part of a room's media configuration, so its own header (what
// configures a room need not include the buffer itself).
#pragma once

#include "mixer/core/audio_frame.h"

namespace mcu::mixer::rtp {

struct JitterBufferConfig {
  int clock_rate = 48000;  // RTP timestamp units per second
  int frame_ms = core::kFrameMs;
  int min_delay_ms = 20;
  int max_delay_ms = 120;
};

}  // namespace mcu::mixer::rtp
