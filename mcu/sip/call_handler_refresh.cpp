// RFC 4028 session refreshes when we are the refresher. nua would refresh on its own, but at a
// moment it draws from a quarter to three quarters of the interval: with 90 s, up to 68 s, past
// the 60 s after which a caller keeping RFC 4028 §10 sends BYE. Ours go at the half, dated by
// the injected clock; nua's own still go when it draws an earlier moment, and put ours off.
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_tag.h>

#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

void CallHandler::startSessionTimer(CallLeg& leg, const SessionTimerAnswer& timer,
                                    bool allows_update) {
  // Our refreshes (and nua's) are a body-less UPDATE when the caller allows it (RFC 4028
  // §7.4). Otherwise an offerless re-INVITE: the caller's 2xx carries an offer, and the ACK
  // must carry our answer, so we send that ACK ourselves (ackRefresh). They ask for the
  // interval agreed here, not nua's configured one.
  nua_set_hparams(leg.nh, NUTAG_UPDATE_REFRESH(allows_update ? 1 : 0), NUTAG_AUTOACK(0),
                  NUTAG_SESSION_TIMER(timer.interval), TAG_END());
  leg.session_interval = timer.interval;
  leg.refresh_by_update = allows_update;
  if (timer.we_refresh) {
    leg.refresh_due = clock_.now() + refreshAfter(timer.interval);
  } else {
    leg.session_deadline = clock_.now() + expiryWithoutRefresh(timer.interval);
  }
}

void CallHandler::refreshSession(CallLeg& leg, std::chrono::steady_clock::time_point now) {
  leg.refresh_due = now + refreshAfter(leg.session_interval);
  // Not while the call is still being set up or changed: the refresh waits for the next turn.
  if (!leg.established() || leg.awaiting_ack || leg.own_reinvite_pending) {
    leg.refresh_due = now + std::chrono::seconds(1);
    return;
  }
  if (leg.refresh_by_update) {
    nua_update(leg.nh, TAG_END());
  } else {
    nua_invite(leg.nh, TAG_END());  // nua_i_state "calling" marks it pending (onOwnInviteSent)
  }
  log::info(kComponent, "session_refresh")
      .kv("call_id", leg.call_id)
      .kv("method", leg.refresh_by_update ? "UPDATE" : "INVITE");
}

void CallHandler::onOwnUpdateAnswered(CallLeg& leg) {
  // nua reports an UPDATE of ours as the call "calling", like a re-INVITE (onOwnInviteSent),
  // but no INVITE response ever clears that: without this, every later re-INVITE of the
  // caller's (hold, codec change) was answered 491 as glare.
  leg.own_reinvite_pending = false;
  if (leg.refresh_due) {  // nua's refresh by UPDATE, or ours: the next is half an interval on
    leg.refresh_due = clock_.now() + refreshAfter(leg.session_interval);
  }
}

}  // namespace mcu::sip
