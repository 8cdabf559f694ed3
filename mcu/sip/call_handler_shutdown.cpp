// CallHandler, ending calls from our side: hanging up one (a kick, a timeout) or all of them
// (shutdown), and at the end of a shutdown forgetting the calls that never answered.
#include <sofia-sip/nua.h>

#include <string_view>
#include <vector>

#include "mcu/common/check.h"
#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

void CallHandler::hangUp(nua_handle_t* nh, CallLeg& leg, conference::LeaveReason reason) {
  noteReason(leg, reason);  // what its record will say, whatever ends the dialog
  if (leg.outgoing && !leg.answered) {
    nua_cancel(nh, TAG_END());  // still ringing: CANCEL, not BYE
  } else {
    nua_bye(nh, TAG_END());
  }
  leg.hung_up = true;
  // Out of the room now, not when the BYE's transaction ends: a caller that never answers it
  // (gone, or hostile) would otherwise stay heard and listed, and its call unrecorded, for
  // its 32 s of retransmissions (RFC 3261 Timer F). Its end later finds nobody to remove.
  if (!leg.replaced) {  // a replaced dialog's participant lives on in the new one
    conference_.leave(leg.participant, reason);
  }
  for (const auto& extra : leg.extra_lines) {
    conference_.leave(extra.participant, reason);
  }
}

void CallHandler::byeAll(conference::LeaveReason reason) {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  for (auto& [nh, invite] : pending_) {
    refuseInvite(nh, 503, "399 mcu \"shutting down\"");
  }
  pending_.clear();
  for (auto& [nh, leg] : legs_) {
    if (leg->hung_up) {
      continue;  // its BYE (a kick's, a timeout's) is already out, and it left with its reason
    }
    hangUp(nh, *leg, reason);
  }
}

std::size_t CallHandler::abandonUnanswered() {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  std::vector<nua_handle_t*> unanswered;
  for (const auto& [nh, leg] : legs_) {
    if (leg->hung_up) {
      log::info(kComponent, "bye_unanswered").kv("call_id", leg->call_id);
      unanswered.push_back(nh);
    }
  }
  // Ended as if the BYE had been answered: the same teardown (REFERs that placed or watch it
  // told, its noted reason used and forgotten, the handle destroyed, which ends its
  // transactions; no event comes for it after that).
  for (nua_handle_t* nh : unanswered) {
    onTerminated(nh, {conference::LeaveCause::kShutdown});
  }
  return unanswered.size();
}

}  // namespace mcu::sip
