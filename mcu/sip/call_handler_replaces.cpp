// CallHandler, INVITE with Replaces (RFC 3891): a new dialog takes over a participant's seat.
// An attended transfer or a B2BUA that re-routes a call sends it; the participant keeps its
// id, mute, gains, role and call record, and its RTP port, so the room hears no gap: only the
// far address (and codec) change, as with a re-INVITE. The old dialog then gets BYE.
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>

#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

CallLeg* CallHandler::replacedLeg(nua_t* nua, const sip_replaces_t& replaces) {
  // nua finds the dialog by Call-ID and tags as RFC 3891 §3 says (to-tag ours, from-tag the
  // far end's); the handle's magic is our CallLeg.
  nua_handle_t* found = nua_handle_by_replaces(nua, &replaces);
  if (found == nullptr) {
    return nullptr;
  }
  const auto it = legs_.find(found);
  nua_handle_unref(found);
  return it != legs_.end() ? it->second.get() : nullptr;
}

void CallHandler::onReplacingInvite(nua_t* nua, nua_handle_t* nh, const sip_t* sip,
                                    const sip_replaces_t& replaces) {
  const std::string call_id = callIdOf(sip);
  CallLeg* old = replacedLeg(nua, replaces);
  if (old == nullptr || old->replaced) {
    refuseInvite(nh, 481, "399 mcu \"no dialog to replace\"");
    log::info(kComponent, "replaces_refused").kv("reason", "unknown").kv("call_id", call_id);
    return;
  }
  // early-only: only a dialog not yet answered may be replaced (RFC 3891 §3).
  if (replaces.rp_early_only != 0 && old->established() && !old->awaiting_ack) {
    refuseInvite(nh, 486, "399 mcu \"the dialog is confirmed and the Replaces said early-only\"");
    return;
  }
  const auto offer = sdpBody(sip);
  if (!offer) {
    refuseInvite(nh, 488, "399 mcu \"an INVITE with Replaces must carry an offer\"");
    return;
  }
  const bool secure =
      sip->sip_via != nullptr && transportNamed(sip->sip_via->v_protocol) == SipTransport::kTls;
  auto negotiated = negotiatorFor(old->room).negotiate(*offer, secure);
  if (auto* r = std::get_if<SdpRejection>(&negotiated)) {
    refuseInvite(nh, r->status, r->warning);
    return;
  }
  auto leg = std::make_unique<CallLeg>();
  leg->nh = nh;
  leg->call_id = call_id;
  leg->room = old->room;
  leg->participant = old->participant;
  leg->secure = secure;
  leg->audio = std::get<NegotiatedAudio>(negotiated);
  // The same RTP port and session: the participant's stream goes on where it was.
  leg->local = old->local;
  leg->local.address = media_.addressToward(leg->audio.remote_host);
  leg->local.session_id = sessionId();
  leg->local.session_version = 1;
  leg->awaiting_ack = true;
  leg->ack_deadline = clock_.now() + kTimerH;
  conference_.update(leg->participant, endpointFor(leg->audio, leg->local));
  conference_.noteVia(leg->participant, "replaces");
  // The old dialog ends without taking the participant with it.
  old->replaced = true;
  noteReason(*old, {conference::LeaveCause::kReplaced});
  nua_bye(old->nh, SIPTAG_REASON_STR("SIP;cause=200;text=\"replaced\""), TAG_END());
  const std::string contact = contactForRequest(listeners_, sip, leg->room);
  const SessionTimerAnswer timer = answerSessionTimer(sessionTimerRequestOf(sip));
  startSessionTimer(*leg, timer, sip_is_allowed(sip->sip_allow, sip_method_update, "UPDATE") != 0);
  const std::string sdp = localSdp(*leg, false);
  nua_respond(nh, SIP_200_OK, SIPTAG_CONTACT_STR(contact.c_str()),
              TAG_IF(timer.require_timer && timer.we_refresh, SIPTAG_REQUIRE_STR("timer")),
              SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
  outcomes_.count(200);
  log::info(kComponent, "dialog_replaced")
      .kv("room", leg->room)
      .kv("participant", static_cast<std::int64_t>(leg->participant.value()))
      .kv("old_call_id", old->call_id)
      .kv("call_id", call_id);
  nua_handle_bind(nh, leg.get());
  legs_[nh] = std::move(leg);
}

}  // namespace mcu::sip
