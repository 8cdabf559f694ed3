// The mixer's unit of audio: 20 ms of mono 16-bit PCM at 48 kHz, whatever each participant's
// codec rate is (conversion happens at the edges). Pure definitions, no behaviour.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "mixer/core/participant_id.h"

namespace mcu::mixer::core {

inline constexpr int kMixRate = 48000;
// The one place the frame's length is written: the tick, the jitter buffers' frame, GStreamer
// buffer durations and RTP timestamp steps all follow it.
inline constexpr int kFrameMs = 20;
inline constexpr std::chrono::milliseconds kFrameDuration{kFrameMs};
inline constexpr auto kFrameNs =
    static_cast<std::uint64_t>(std::chrono::nanoseconds(kFrameDuration).count());
inline constexpr std::size_t kFrameSamples =
    static_cast<std::size_t>(kMixRate / 1000) * static_cast<std::size_t>(kFrameMs);  // 960

using Pcm = std::array<std::int16_t, kFrameSamples>;

}  // namespace mcu::mixer::core
