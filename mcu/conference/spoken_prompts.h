// The spoken prompts every build carries (mcu/conference/prompts/spoken.txt, spoken by
// espeak-ng at build time and compiled in): what a caller hears when alone, waiting for the
// moderator, when the meeting starts or ends, the keypad help, the PIN prompts and the count. Where
// the server is set to tones (prompts.spoken = false) the tone prompts of tone_prompts.h are played
// instead.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "mcu/conference/tone_prompts.h"

namespace mcu::conference {

enum class SpokenPrompt {
  kOnlyParticipant,
  kWaitForModerator,
  kMeetingStarted,
  kMeetingEnding,
  kMenuHelp,
  kEnterPin,
  kWrongPin,
  kParticipantCount,
  kRecordingStarted,
  // The words a count is said with: 0-19, the tens, hundred, thousand.
  kNumber0,
  kNumber1,
  kNumber2,
  kNumber3,
  kNumber4,
  kNumber5,
  kNumber6,
  kNumber7,
  kNumber8,
  kNumber9,
  kNumber10,
  kNumber11,
  kNumber12,
  kNumber13,
  kNumber14,
  kNumber15,
  kNumber16,
  kNumber17,
  kNumber18,
  kNumber19,
  kNumber20,
  kNumber30,
  kNumber40,
  kNumber50,
  kNumber60,
  kNumber70,
  kNumber80,
  kNumber90,
  kNumber100,
  kNumber1000,
};
inline constexpr std::size_t kSpokenPromptCount =
    static_cast<std::size_t>(SpokenPrompt::kNumber1000) + 1;
// The sentences (not the number words): raised to 48 kHz at start, so no caller waits for it.
inline constexpr std::array kSpokenPrompts{
    SpokenPrompt::kOnlyParticipant, SpokenPrompt::kWaitForModerator,
    SpokenPrompt::kMeetingStarted,  SpokenPrompt::kMeetingEnding,
    SpokenPrompt::kMenuHelp,        SpokenPrompt::kEnterPin,
    SpokenPrompt::kWrongPin,        SpokenPrompt::kParticipantCount,
    SpokenPrompt::kRecordingStarted};

// The prompt as 48 kHz mono PCM, raised from the compiled-in 16 kHz at its first use and kept
// (thread-safe). A number word takes well under a millisecond to raise.
const TonePcm& spokenPrompt(SpokenPrompt prompt);

// The words that say `n` (0-999999) in English: 23 -> twenty three, 105 -> one hundred five,
// 2000 -> two thousand; larger counts are said as 999999.
std::vector<SpokenPrompt> numberWords(std::size_t n);
// "Participants in this conference:" and the count, as one prompt.
TonePcm spokenCount(std::size_t n);

// The compiled-in samples: 16 kHz mono, 16-bit little-endian (generated source).
std::string_view spokenPcm16k(SpokenPrompt prompt);

// 16 kHz to 48 kHz: zero-stuffed by three and low-passed below 7.6 kHz (a 96-tap windowed
// sinc, run as three phases of 32), so the images of the speech above 8 kHz are gone.
std::vector<std::int16_t> upsample16kTo48k(const std::vector<std::int16_t>& in);

}  // namespace mcu::conference
