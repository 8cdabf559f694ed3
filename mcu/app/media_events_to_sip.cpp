#include "mcu/app/media_events_to_sip.h"

#include <cstdint>
#include <utility>

#include "mcu/common/log.h"

namespace mcu::app {

void MediaEventsToSip::attach(Loop& control, conference::Conference& conference) {
  control_ = &control;
  conference_ = &conference;
}

void MediaEventsToSip::toConference(std::function<void(conference::Conference&)> fn) {
  if (control_ != nullptr && conference_ != nullptr) {
    control_->post([conference = conference_, fn = std::move(fn)] { fn(*conference); });
  }
}

void MediaEventsToSip::onTalking(mixer::ParticipantId id, bool talking) {
  log::debug("media", talking ? "talking_started" : "talking_stopped")
      .kv("participant", std::uint64_t{id.value()});
  toConference([id, talking](conference::Conference& c) { c.onTalking(id, talking); });
}

void MediaEventsToSip::onDtmf(mixer::ParticipantId id, char digit) {
  // The digit itself is not logged: it may be part of a PIN.
  log::debug("media", "dtmf").kv("participant", std::uint64_t{id.value()});
  toConference([id, digit](conference::Conference& c) { c.onDtmf(id, digit); });
}

void MediaEventsToSip::onRtpTimeout(mixer::ParticipantId id) {
  toConference([id](conference::Conference& c) { c.rtpTimedOut(id); });
}

void MediaEventsToSip::onPlaybackFinished(mixer::PlaybackId id) {
  toConference([id](conference::Conference& c) { c.playbackFinished(id); });
}

void MediaEventsToSip::onRecordingEnded(mixer::RoomId /*room*/, mixer::RecordingKey key,
                                        const mixer::RecordingEnd& end) {
  toConference([key, end](conference::Conference& c) { c.recordingEnded(key, end); });
}

}  // namespace mcu::app
