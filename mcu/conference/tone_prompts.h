// Prompts made of tones (48 kHz mono), generated once: a fresh install has them without any
// audio file. Shaped with 5 ms ramps, so no click.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

namespace mcu::conference {

using TonePcm = std::shared_ptr<const std::vector<std::int16_t>>;

// 150 ms of each frequency, 20 ms apart.
TonePcm toneRun(std::initializer_list<double> hz);

const TonePcm& entryTones();         // rising pair: a caller is in
const TonePcm& exitTones();          // falling pair: a caller left
const TonePcm& waitingTones();       // low pair: wait for the moderator
const TonePcm& meetingStartTones();  // rising three: the moderator is in
const TonePcm& meetingEndTones();    // falling three: the meeting ends

}  // namespace mcu::conference
