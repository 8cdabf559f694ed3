// How the conference places a call it was asked for (REST dial-out, a REFER): through the SIP
// side, which implements this. The conference admits the participant first and then hands the
// dialer the admitted call; the call's progress comes back later, from the dialer's own
// callbacks (Conference::dialProgress, leave), never while the conference is on the stack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mcu/conference/room_policy.h"
#include "mixer/core/participant_id.h"

namespace mcu::conference {

// An admitted call for the dialer to place.
struct OutgoingCall {
  mixer::ParticipantId participant;
  std::string room;
  std::string uri;      // the target
  std::string call_id;  // from Dialer::newCallId()
  std::uint16_t local_port = 0;
  std::string headers;  // extra header lines ("Replaces: ...\r\n" for a REFER's target)
};

class Dialer {
 public:
  virtual ~Dialer() = default;
  // Why no call can be placed now (503 while the server drains), or nullopt.
  virtual std::optional<Admission> refusal() const = 0;
  // The Call-ID the next call will carry (its record is written under it before it is placed).
  virtual std::string newCallId() = 0;
  // Sends the INVITE; on the control thread.
  virtual void place(const OutgoingCall& call) = 0;
};

}  // namespace mcu::conference
