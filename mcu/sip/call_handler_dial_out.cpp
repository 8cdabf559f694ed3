// CallHandler, the calls we place: REST dial-out (an INVITE with our offer) and the responses
// to it. The calls that come in are in call_handler.cpp.
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/url.h>

#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

std::string CallHandler::newDialOutCallId() {
  return "mcu-out-" + std::to_string(sessionId()) + "-" + std::to_string(++dial_outs_);
}

void CallHandler::placeCall(nua_t* nua, const conference::OutgoingCall& call,
                            const std::string& from) {
  auto leg = std::make_unique<CallLeg>();
  leg->outgoing = true;
  leg->call_id = call.call_id;
  leg->room = call.room;
  leg->participant = call.participant;
  leg->local.session_id = sessionId();
  leg->local.session_version = 1;
  leg->local.srtp_key = randomSrtpKey();
  leg->local.address = media_.addressToward(media_.families().ipv4 ? "127.0.0.1" : "::1");
  leg->local.port = call.local_port;
  leg->audio.codec = {};
  leg->audio.receive = leg->audio.send = false;  // nothing to send to before the answer
  // In angle brackets: bare, a URI's own parameters (;transport=tcp) would be read as the To
  // header's and the INVITE went over UDP to a callee that listens on TCP (nua said 900).
  const std::string to = "<" + call.uri + ">";
  nua_handle_t* nh =
      nua_handle(nua, nullptr, SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()), TAG_END());
  leg->nh = nh;
  nua_handle_bind(nh, leg.get());
  su_home_t home[1] = {SU_HOME_INIT(home)};  // NOLINT(modernize-avoid-c-arrays): sofia idiom
  const url_t* target = url_make(home, call.uri.c_str());
  const std::string contact = contactForTarget(listeners_, target, call.room);
  leg->secure = target != nullptr && (target->url_type == url_sips ||
                                      contact.find(";transport=tls") != std::string::npos);
  su_home_deinit(home);
  const std::string offer = localSdp(*leg, true);
  nua_invite(nh, SIPTAG_CALL_ID_STR(call.call_id.c_str()), SIPTAG_CONTACT_STR(contact.c_str()),
             TAG_IF(!call.headers.empty(), SIPTAG_HEADER_STR(call.headers.c_str())),
             SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(offer.c_str()),
             TAG_END());
  log::info(kComponent, "dial_out")
      .kv("room", call.room)
      .kv("uri", call.uri)
      .kv("call_id", call.call_id);
  legs_[nh] = std::move(leg);
}

void CallHandler::onInviteResponse(CallLeg& leg, int status, const sip_t* sip) {
  if (leg.established() && status >= 200) {
    leg.own_reinvite_pending = false;
    if (status == 408 || status == 481) {
      // Our session refresh found no one there: nua ends the dialog.
      noteReason(leg, {conference::LeaveCause::kRefreshFailed, status});
    } else if (status < 300) {
      ackRefresh(leg, sip);
    }
    return;
  }
  if (!leg.outgoing || leg.answered || status < 180) {
    return;  // 100 Trying, or a response to a later re-INVITE
  }
  const char* phrase = sip != nullptr && sip->sip_status != nullptr ? sip->sip_status->st_phrase
                                                                    : sip_status_phrase(status);
  if (status < 200) {
    conference_.dialProgress(leg.participant, conference::CallState::kRinging, status);
    reportRefer(leg, status, phrase);
    return;
  }
  if (status >= 300) {
    conference_.dialProgress(leg.participant, conference::CallState::kFailed, status);
    reportRefer(leg, status, phrase);
    noteReason(leg, {conference::LeaveCause::kDialOutFailed, status});
    return;  // nua ends the dialog: onTerminated follows
  }
  leg.answered = true;
  const auto answer = sdpBody(sip);
  auto negotiated = answer ? negotiatorFor(leg.room).negotiate(*answer, leg.secure)
                           : std::variant<NegotiatedAudio, SdpRejection>(SdpRejection{});
  if (auto* r = std::get_if<SdpRejection>(&negotiated)) {
    log::warn(kComponent, "answer_unusable").kv("call_id", leg.call_id).kv("warning", r->warning);
    conference_.dialProgress(leg.participant, conference::CallState::kFailed, 488);
    reportRefer(leg, 488, sip_status_phrase(488));
    noteReason(leg, {conference::LeaveCause::kBadAnswer});
    nua_bye(leg.nh, SIPTAG_REASON_STR("SIP;cause=488;text=\"no usable SDP answer\""), TAG_END());
    return;
  }
  leg.audio = std::get<NegotiatedAudio>(negotiated);
  conference_.update(leg.participant, endpointFor(leg.audio, leg.local));
  conference_.dialProgress(leg.participant, conference::CallState::kJoined, status);
  reportRefer(leg, status, phrase);
  // nua ACKed this 2xx itself; later ones (refreshes) are ours to ACK, like a dial-in's.
  nua_set_hparams(leg.nh, NUTAG_AUTOACK(0), TAG_END());
}

}  // namespace mcu::sip
