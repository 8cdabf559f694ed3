// The spoken prompts every build carries (mcu/conference/prompts/spoken.txt, spoken by
// espeak-ng at build time and compiled in): what a caller hears when alone, waiting for the
// moderator, when the meeting starts or ends, and the keypad help. Where the server is set to
// tones (prompts.spoken = false) the tone prompts of tone_prompts.h are played instead.
#pragma once

#include <array>
#include <string_view>

#include "mcu/conference/tone_prompts.h"

namespace mcu::conference {

enum class SpokenPrompt {
  kOnlyParticipant,
  kWaitForModerator,
  kMeetingStarted,
  kMeetingEnding,
  kMenuHelp,
};
inline constexpr std::array kSpokenPrompts{
    SpokenPrompt::kOnlyParticipant, SpokenPrompt::kWaitForModerator, SpokenPrompt::kMeetingStarted,
    SpokenPrompt::kMeetingEnding, SpokenPrompt::kMenuHelp};

// The prompt as 48 kHz mono PCM. The first call raises every prompt from the compiled-in
// 16 kHz at once (the conference makes that call at start, not on a caller's admission).
const TonePcm& spokenPrompt(SpokenPrompt prompt);

// The compiled-in samples: 16 kHz mono, 16-bit little-endian (generated source).
std::string_view spokenPcm16k(SpokenPrompt prompt);

// 16 kHz to 48 kHz: zero-stuffed by three and low-passed below 7.6 kHz (a 96-tap windowed
// sinc, run as three phases of 32), so the images of the speech above 8 kHz are gone.
std::vector<std::int16_t> upsample16kTo48k(const std::vector<std::int16_t>& in);

}  // namespace mcu::conference
