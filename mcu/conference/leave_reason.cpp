#include "mcu/conference/leave_reason.h"

namespace mcu::conference {
namespace {

const char* causeText(LeaveCause cause) {
  switch (cause) {
    case LeaveCause::kEnded:
      return "ended";
    case LeaveCause::kBye:
      return "bye";
    case LeaveCause::kCancel:
      return "cancel";
    case LeaveCause::kAckTimeout:
      return "ack_timeout";
    case LeaveCause::kSessionExpired:
      return "session_expired";
    case LeaveCause::kRtpTimeout:
      return "rtp_timeout";
    case LeaveCause::kShutdown:
      return "shutdown";
    case LeaveCause::kKicked:
      return "kicked";
    case LeaveCause::kRoomDeleted:
      return "room_deleted";
    case LeaveCause::kPinFailed:
      return "pin_failed";
    case LeaveCause::kPinTimeout:
      return "pin_timeout";
    case LeaveCause::kModeratorLeft:
      return "moderator_left";
    case LeaveCause::kReplaced:
      return "replaced";
    case LeaveCause::kReferredBye:
      return "referred_bye";
    case LeaveCause::kBadOffer:
      return "bad_offer";
    case LeaveCause::kBadAnswer:
      return "bad_answer";
    case LeaveCause::kLinesRemoved:
      return "lines_removed";
    case LeaveCause::kLineRemoved:
      return "line_removed";
    case LeaveCause::kDialOutFailed:
      return "dialout_failed";
    case LeaveCause::kRefreshFailed:
      return "refresh_failed";
  }
  return "ended";
}

}  // namespace

std::string leaveReasonText(const LeaveReason& reason) {
  if (reason.cause == LeaveCause::kDialOutFailed || reason.cause == LeaveCause::kRefreshFailed) {
    // Not `text += "_" + ...`: GCC 12's -Wrestrict misreads that (a known false positive).
    return std::string(causeText(reason.cause))
        .append(1, '_')
        .append(std::to_string(reason.sip_status));
  }
  return causeText(reason.cause);
}

}  // namespace mcu::conference
