// Media events arrive on media threads; what the conference must act on goes to the control
// thread as a posted task (talking, DTMF, RTP timeouts), never a call across threads.
#pragma once

#include <functional>

#include "mcu/common/loop.h"
#include "mcu/conference/conference.h"
#include "mixer/engine/media_engine.h"

namespace mcu::app {

class MediaEventsToSip final : public mixer::MediaEvents {
 public:
  // Before the engine's first event that matters (the first call): the control loop and the
  // conference that lives on it, both borrowed.
  void attach(Loop& control, conference::Conference& conference);
  void onFirstPacket(mixer::ParticipantId /*id*/) override {}
  void onTalking(mixer::ParticipantId id, bool talking) override;
  void onDtmf(mixer::ParticipantId id, char digit) override;
  void onRtpTimeout(mixer::ParticipantId id) override;
  void onPlaybackFinished(mixer::PlaybackId id) override;
  void onRecordingEnded(mixer::RoomId room, mixer::RecordingKey key,
                        const mixer::RecordingEnd& end) override;

 private:
  // Runs `fn` on the conference, on the control thread; nothing before attach().
  void toConference(std::function<void(conference::Conference&)> fn);

  // Borrowed.
  Loop* control_ = nullptr;
  conference::Conference* conference_ = nullptr;
};

}  // namespace mcu::app
