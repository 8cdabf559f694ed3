// Media events arrive on media threads; what the conference must act on goes to the control
// thread as a posted task (talking, DTMF, RTP timeouts), never a call across threads.
#pragma once

#include "mcu/conference/conference.h"
#include "mcu/sip/sip_stack.h"
#include "mixer/engine/media_engine.h"

namespace mcu::app {

class MediaEventsToSip final : public mixer::MediaEvents {
 public:
  // Before the engine's first event that matters (the first call); both borrowed.
  void attach(sip::SipStack* sip, conference::Conference* conference);
  void onFirstPacket(mixer::ParticipantId /*id*/) override {}
  void onTalking(mixer::ParticipantId id, bool talking) override;
  void onDtmf(mixer::ParticipantId id, char digit) override;
  void onRtpTimeout(mixer::ParticipantId id) override;

 private:
  // Borrowed.
  sip::SipStack* sip_ = nullptr;
  conference::Conference* conference_ = nullptr;
};

}  // namespace mcu::app
