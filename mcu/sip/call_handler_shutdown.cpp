// CallHandler, ending calls from our side: hanging up one (a kick, a timeout) or all of them
// (shutdown), and at the end of a shutdown forgetting the calls that never answered.
#include <sofia-sip/nua.h>

#include <string_view>

#include "mcu/common/check.h"
#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

void CallHandler::hangUp(nua_handle_t* nh, CallLeg& leg, conference::LeaveReason reason) {
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
    noteReason(*leg, reason);
    hangUp(nh, *leg, reason);
  }
}

std::size_t CallHandler::abandonUnanswered() {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  std::size_t abandoned = 0;
  for (auto it = legs_.begin(); it != legs_.end();) {
    if (!it->second->hung_up) {
      ++it;
      continue;
    }
    log::info(kComponent, "bye_unanswered").kv("call_id", it->second->call_id);
    leave_reasons_.erase(it->second->call_id);
    nua_handle_destroy(it->first);  // its transactions end here, and no event comes for it
    it = legs_.erase(it);
    ++abandoned;
  }
  return abandoned;
}

}  // namespace mcu::sip
