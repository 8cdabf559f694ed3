#include "mcu/app/media_events_to_sip.h"

#include <cstdint>

#include "mcu/common/log.h"

namespace mcu::app {

void MediaEventsToSip::attach(sip::SipStack* sip, conference::Conference* conference) {
  sip_ = sip;
  conference_ = conference;
}

void MediaEventsToSip::onTalking(mixer::ParticipantId id, bool talking) {
  log::debug("media", talking ? "talking_started" : "talking_stopped")
      .kv("participant", std::uint64_t{id.value()});
  if (sip_ != nullptr && conference_ != nullptr) {
    conference::Conference* conference = conference_;
    sip_->controlLoop().post([conference, id, talking] { conference->onTalking(id, talking); });
  }
}

void MediaEventsToSip::onDtmf(mixer::ParticipantId id, char digit) {
  // The digit itself is not logged: it may be part of a PIN.
  log::debug("media", "dtmf").kv("participant", std::uint64_t{id.value()});
  if (sip_ != nullptr && conference_ != nullptr) {
    conference::Conference* conference = conference_;
    sip_->controlLoop().post([conference, id, digit] { conference->onDtmf(id, digit); });
  }
}

void MediaEventsToSip::onRtpTimeout(mixer::ParticipantId id) {
  if (sip_ != nullptr && conference_ != nullptr) {
    conference::Conference* conference = conference_;
    sip_->controlLoop().post([conference, id] { conference->rtpTimedOut(id); });
  }
}

}  // namespace mcu::app
