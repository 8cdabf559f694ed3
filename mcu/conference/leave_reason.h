// Why a participant left, as the call record (calls.leave_reason), the events and the logs
// name it: one enum inside, its text only at those boundaries (it was a string made in
// nineteen places, two of them with a SIP status glued on).
#pragma once

#include <cstdint>
#include <string>

namespace mcu::conference {

enum class LeaveCause : std::uint8_t {
  kEnded,           // the dialog ended without a reason noted (transport, stack)
  kBye,             // the caller hung up
  kCancel,          // the caller gave up before the answer
  kAckTimeout,      // our 200 was never ACKed
  kSessionExpired,  // RFC 4028: no refresh came
  kRtpTimeout,      // no media for media.rtp_timeout
  kShutdown,        // the server stopped
  kKicked,          // an admin removed it
  kRoomDeleted,     // its room was deleted
  kPinFailed,       // wrong PIN too many times
  kPinTimeout,      // no PIN in time
  kReplaced,        // RFC 3891: another dialog took its place
  kReferredBye,     // RFC 3515: a REFER with method=BYE aimed at it
  kBadOffer,        // a re-INVITE's offer had nothing usable
  kBadAnswer,       // the answer to our offer had nothing usable
  kLinesRemoved,    // every media line of its dialog was removed
  kLineRemoved,     // its line of a trunk's dialog was removed
  kDialOutFailed,   // our INVITE was refused (sip_status)
  kRefreshFailed,   // our session refresh was refused (sip_status)
  kModeratorLeft,   // its room ends with its last moderator, and that one left
};

struct LeaveReason {
  LeaveCause cause = LeaveCause::kEnded;
  int sip_status = 0;  // the final response, for kDialOutFailed and kRefreshFailed

  bool operator==(const LeaveReason&) const = default;
};

// "bye", "kicked", "dialout_failed_486"... as stored and sent since the first release.
std::string leaveReasonText(const LeaveReason& reason);

}  // namespace mcu::conference
