#include "mcu/sip/call_handler.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/url.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

#include "mcu/common/check.h"
#include "mcu/common/log.h"
#include "mcu/common/network_text.h"
#include "mcu/common/secret.h"
#include "mcu/sip/info_dtmf.h"
#include "mcu/sip/message_body.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

// A From display name as a person reads it: an RFC 3261 quoted-string loses its quotes
// and backslash escapes, and bytes that are not text are shown, not stored raw (sofia itself
// refuses a NUL with 400, so nothing is cut).
std::string displayName(const char* raw) {
  if (raw == nullptr) {
    return "";
  }
  const std::string_view quoted(raw);
  if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"') {
    return text::readableText(quoted);
  }
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 2 < quoted.size()) {
      ++i;
    }
    out.push_back(quoted[i]);
  }
  return text::readableText(out);
}

}  // namespace

CallHandler::CallHandler(conference::Conference& conference, SdpNegotiator negotiator,
                         MediaAddressConfig media, SipListeners listeners, int retry_after_s,
                         const Clock& clock)
    : conference_(conference),
      clock_(clock),
      negotiator_(std::move(negotiator)),
      media_(std::move(media)),
      listeners_(std::move(listeners)),
      retry_after_s_(retry_after_s) {}

CallLeg* CallHandler::leg(nua_handle_t* nh) {
  const auto it = legs_.find(nh);
  return it == legs_.end() ? nullptr : it->second.get();
}

SdpNegotiator CallHandler::negotiatorFor(const std::string& room) const {
  std::vector<mixer::codec::CodecKind> kinds;
  for (const auto& name : conference_.codecPreference(room)) {
    if (const auto kind = mixer::codec::codecFromName(name)) {
      kinds.push_back(*kind);
    }
  }
  SdpNegotiator negotiator =
      kinds.empty() ? negotiator_ : negotiator_.withPreference(std::move(kinds));
  if (const auto srtp = conference_.srtpPolicy(room)) {
    negotiator = negotiator.withSrtpMode(*srtp == "off"        ? SrtpPolicy::Mode::kOff
                                         : *srtp == "required" ? SrtpPolicy::Mode::kRequired
                                                               : SrtpPolicy::Mode::kOptional);
  }
  return negotiator;
}

mixer::MediaEndpoint CallHandler::endpointFor(const NegotiatedAudio& audio,
                                              const LocalMedia& local) {
  mixer::MediaEndpoint e;
  if (audio.crypto) {
    const std::size_t length = mixer::srtp::masterKeyLength(audio.crypto->suite);
    e.srtp = mixer::srtp::SrtpKeys{
        audio.crypto->suite,
        std::vector<std::uint8_t>(local.srtp_key.begin(),
                                  local.srtp_key.begin() + static_cast<std::ptrdiff_t>(length)),
        audio.crypto->key};
  }
  e.codec = audio.codec;
  e.telephone_event_pt = audio.telephone_event_pt;
  e.audio_level_ext_id = audio.audio_level_ext_id;
  e.csrc_level_ext_id = audio.csrc_level_ext_id;
  e.remote = {audio.remote_host, audio.remote_port};
  e.rtcp_mux = audio.rtcp_mux;
  if (audio.remote_rtcp_port) {
    e.remote_rtcp = mixer::SocketAddress{audio.remote_host, *audio.remote_rtcp_port};
  }
  e.receive = audio.receive;
  e.send = audio.send;
  return e;
}

// `current`: for a request nua hands to us mid-dialog (UPDATE), answer that request, not the
// dialog's INVITE.
std::string CallHandler::localSdp(CallLeg& leg, bool as_offer) const {
  std::vector<AnsweredStream> more;
  for (const auto& line : leg.extra_lines) {
    more.push_back({&line.audio, line.port});
  }
  const auto render = [&] {
    return as_offer ? negotiatorFor(leg.room).offer(leg.local, leg.secure)
                    : SdpNegotiator::answer(leg.audio, leg.local, more);
  };
  std::string sdp = render();
  if (!leg.last_sdp.empty() && sdp != leg.last_sdp) {
    ++leg.local.session_version;
    sdp = render();
  }
  leg.last_sdp = sdp;
  return sdp;
}

void CallHandler::respondSdp(nua_handle_t* nh, const std::string& sdp, nua_t* current) {
  nua_respond(nh, SIP_200_OK, TAG_IF(current != nullptr, NUTAG_WITH_CURRENT(current)),
              SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
}

void CallHandler::reject(nua_handle_t* nh, int status, const std::string& warning, nua_t* current) {
  const std::string retry = std::to_string(retry_after_s_);
  nua_respond(nh, status, sip_status_phrase(status),
              TAG_IF(current != nullptr, NUTAG_WITH_CURRENT(current)),
              SIPTAG_WARNING_STR(warning.c_str()),
              TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR(retry.c_str())), TAG_END());
}

void CallHandler::onInvite(nua_t* nua, nua_handle_t* nh, const sip_t* sip, bool draining) {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  const std::string call_id = callIdOf(sip);
  if (draining) {
    refuseInvite(nh, 503, "399 mcu \"shutting down\"");
    log::info(kComponent, "invite_refused").kv("reason", "draining").kv("call_id", call_id);
    return;
  }
  if (const sip_replaces_t* replaces = sip_replaces(sip)) {
    onReplacingInvite(nua, nh, sip, *replaces);
    return;
  }
  const url_t* ruri = sip->sip_request != nullptr ? sip->sip_request->rq_url : nullptr;
  std::string room = ruri != nullptr && ruri->url_user != nullptr ? ruri->url_user : "";
  if (!conference_factory_.empty() && room == conference_factory_) {
    // RFC 4579 §5.2: the conference factory makes a fresh room with a name nobody can guess;
    // the 200's Contact (<sip:NAME@us>;isfocus) tells the caller where it is.
    room = "conf-" + secret::randomHex(8);
    log::info(kComponent, "conference_factory").kv("room", room).kv("call_id", call_id);
  }
  std::optional<std::string> pin;
  std::array<char, 64> pin_buf{};
  if (ruri != nullptr && ruri->url_params != nullptr &&
      url_param(ruri->url_params, "pin", pin_buf.data(), pin_buf.size()) > 0) {
    pin = pin_buf.data();
  }
  PendingInvite invite;
  invite.nh = nh;
  invite.call_id = call_id;
  invite.room = room;
  invite.pin = pin;
  const SdpInBody body = bodyOf(sip);
  if (body.kind == BodyKind::kUnsupported) {
    // RFC 3261 §8.2.3: a body we cannot read is refused, not ignored (that would answer an
    // offer we never saw with one of our own).
    nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA,
                SIPTAG_ACCEPT_STR("application/sdp, multipart/mixed"), TAG_END());
    outcomes_.count(415);
    log::info(kComponent, "invite_refused").kv("reason", "body_type").kv("call_id", call_id);
    return;
  }
  invite.offer = body.sdp;
  if (sip->sip_from != nullptr) {
    // Whole, however long (a fixed buffer cut long URIs), and as ASCII.
    su_home_t home[1] = {SU_HOME_INIT(home)};
    if (char* from = url_as_string(home, sip->sip_from->a_url); from != nullptr) {
      invite.from_uri = text::asciiText(from);
    }
    su_home_deinit(home);
    invite.display_name = displayName(sip->sip_from->a_display);
  }
  invite.allows_update = sip_is_allowed(sip->sip_allow, sip_method_update, "UPDATE") != 0;
  invite.contact = contactForRequest(listeners_, sip, room);
  invite.secure =
      sip->sip_via != nullptr && transportNamed(sip->sip_via->v_protocol) == SipTransport::kTls;
  invite.source = sourceOf(sip);
  invite.session_timer = sessionTimerRequestOf(sip);
  placeInvite(std::move(invite));
}

void CallHandler::roomLookedUp(std::uint64_t token, const std::optional<store::RoomRow>& row) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->second.token == token) {
      if (row) {
        conference_.roomChanged(*row);
      }
      PendingInvite invite = std::move(it->second);
      pending_.erase(it);
      finishInvite(invite);
      return;
    }
  }
  // Gone meanwhile (CANCEL, or decided at the deadline): nothing to do.
}

void CallHandler::expirePending(std::chrono::steady_clock::time_point now) {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  for (auto& [nh, leg] : legs_) {
    if (leg->awaiting_ack && now >= leg->ack_deadline) {
      leg->awaiting_ack = false;
      noteReason(*leg, {conference::LeaveCause::kAckTimeout});
      nua_bye(nh, SIPTAG_REASON_STR("SIP;cause=408;text=\"no ACK\""), TAG_END());
      log::info(kComponent, "ack_timeout").kv("call_id", leg->call_id);
    }
    if (leg->session_deadline && now >= *leg->session_deadline) {
      leg->session_deadline.reset();
      noteReason(*leg, {conference::LeaveCause::kSessionExpired});
      nua_bye(nh, SIPTAG_REASON_STR("SIP;cause=408;text=\"session timer expired\""), TAG_END());
      log::info(kComponent, "session_expired").kv("call_id", leg->call_id);
    }
    if (leg->refresh_due && now >= *leg->refresh_due) {
      refreshSession(*leg, now);
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now < it->second.deadline) {
      ++it;
      continue;
    }
    // The database is slow: decide with what is known, rather than leave the caller waiting;
    // but where the room lives is never guessed (a guess could split it over two nodes).
    log::warn(kComponent, "room_lookup_timeout").kv("room", it->second.room);
    PendingInvite invite = std::move(it->second);
    it = pending_.erase(it);
    if (invite.awaiting_owner) {
      refuseInvite(invite.nh, 503, "399 mcu \"room owner unknown\"");
      continue;
    }
    finishInvite(invite);
  }
}

void CallHandler::finishInvite(const PendingInvite& invite) {
  nua_handle_t* nh = invite.nh;
  const std::string& call_id = invite.call_id;
  const std::string& room = invite.room;
  const std::optional<std::string>& pin = invite.pin;
  const std::optional<std::string>& offer = invite.offer;
  auto leg = std::make_unique<CallLeg>();
  leg->nh = nh;
  leg->call_id = call_id;
  leg->local.session_id = sessionId();
  leg->local.session_version = 1;
  leg->local.srtp_key = randomSrtpKey();
  leg->secure = invite.secure;
  leg->from_uri = invite.from_uri;
  leg->display_name = invite.display_name;
  leg->source = invite.source;
  leg->pin = pin;
  std::vector<NegotiatedAudio> streams;
  if (offer) {
    auto negotiated = negotiatorFor(room).negotiateStreams(*offer, leg->secure, max_lines_);
    auto* taken = std::get_if<NegotiatedStreams>(&negotiated);
    const SdpRejection rejection = taken != nullptr
                                       ? SdpRejection{488, "304 mcu \"no audio stream offered\""}
                                       : std::get<SdpRejection>(negotiated);
    if (taken == nullptr || taken->streams.empty()) {
      refuseInvite(nh, rejection.status, rejection.warning);
      log::info(kComponent, "invite_refused")
          .kv("reason", "sdp")
          .kv("warning", rejection.warning)
          .kv("call_id", call_id);
      return;
    }
    streams = std::move(taken->streams);
    leg->audio = streams.front();
  } else {
    // RFC 3725: no offer; ours goes in the 200 and the answer comes in the ACK. Until then we
    // neither send nor mix: there is no address yet.
    leg->awaiting_answer_in_ack = true;
    leg->audio.codec = {};
    leg->audio.receive = leg->audio.send = false;
  }
  conference::JoinRequest request;
  request.room = room;
  request.call_id = call_id;
  request.from_uri = invite.from_uri;
  request.display_name = invite.display_name;
  request.pin = pin;
  request.media = endpointFor(leg->audio, leg->local);
  request.media.receive = false;  // mixed from its ACK on
  request.awaiting_ack = true;
  request.source = invite.source;
  leg->awaiting_ack = true;
  leg->ack_deadline = clock_.now() + kTimerH;
  const auto joined = conference_.join(request);
  if (joined.admission.status != 200) {
    refuseInvite(nh, joined.admission.status, "399 mcu \"" + joined.admission.reason + "\"");
    log::info(kComponent, "invite_refused")
        .kv("reason", joined.admission.reason)
        .kv("room", room)
        .kv("call_id", call_id);
    return;
  }
  leg->room = room;
  leg->participant = joined.participant;
  leg->local.address = media_.addressToward(offer ? leg->audio.remote_host : "127.0.0.1");
  leg->local.port = joined.local_port;
  // A trunk's further callers, one per audio line: each is answered on its own port, or with
  // port 0 when the room takes no more.
  for (std::size_t i = 1; i < streams.size(); ++i) {
    if (auto line = joinLine(*leg, streams[i], true)) {
      leg->extra_lines.push_back(std::move(*line));
    }
  }
  // Refreshes (RFC 4028 §7.4) as a body-less UPDATE when the caller allows it. Otherwise
  // nua's re-INVITE carries no offer, the caller's 2xx carries one, and the ACK must carry
  // our answer: we send that ACK ourselves (ackRefresh). Our refreshes ask for the interval
  // agreed here, not nua's configured one.
  const SessionTimerAnswer timer = answerSessionTimer(invite.session_timer);
  startSessionTimer(*leg, timer, invite.allows_update);
  // RFC 4028 §9: Require: timer when the caller supports it. nua adds it itself when the
  // caller refreshes; when we do, it is ours to add.
  const std::string sdp = localSdp(*leg, leg->awaiting_answer_in_ack);
  nua_respond(nh, SIP_200_OK, SIPTAG_CONTACT_STR(invite.contact.c_str()),
              TAG_IF(timer.require_timer && timer.we_refresh, SIPTAG_REQUIRE_STR("timer")),
              SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp.c_str()),
              TAG_END());
  outcomes_.count(200);
  nua_handle_bind(nh, leg.get());
  legs_[nh] = std::move(leg);
}

void CallHandler::onReinvite(CallLeg& leg, const sip_t* sip, nua_t* update_of) {
  if (update_of == nullptr && leg.own_reinvite_pending) {
    // RFC 3261 §14.2: both sides re-INVITEd at once; the caller retries after a random wait.
    nua_respond(leg.nh, SIP_491_REQUEST_PENDING, TAG_END());
    log::info(kComponent, "reinvite_glare").kv("call_id", leg.call_id);
    return;
  }
  if (leg.session_deadline) {  // the caller's refresh (RFC 4028 §10)
    leg.session_deadline = clock_.now() + expiryWithoutRefresh(leg.session_interval);
  }
  if (leg.refresh_due) {  // a refresh of the caller's puts ours off
    leg.refresh_due = clock_.now() + refreshAfter(leg.session_interval);
  }
  const auto offer = sdpBody(sip);
  if (!offer) {
    if (update_of != nullptr) {  // an UPDATE without SDP (a session refresh): nothing changes
      respondSdp(leg.nh, localSdp(leg, false), update_of);
      return;
    }
    // RFC 3725 flows: our current offer, answered in the ACK.
    leg.awaiting_answer_in_ack = true;
    respondSdp(leg.nh, localSdp(leg, true));
    return;
  }
  auto negotiated = negotiatorFor(leg.room).negotiateStreams(*offer, leg.secure, max_lines_);
  if (auto* r = std::get_if<SdpRejection>(&negotiated)) {
    reject(leg.nh, r->status, r->warning, update_of);  // the call goes on with its media
    return;
  }
  auto& taken = std::get<NegotiatedStreams>(negotiated);
  if (!applyStreams(leg, std::move(taken.streams))) {
    // RFC 3264 §8.2: every line set to port 0 (or none left that the room takes): answered
    // in kind, and a dialog without media ends.
    respondSdp(leg.nh, SdpNegotiator::declineAll(taken.lines, leg.local), update_of);
    noteReason(leg, {conference::LeaveCause::kLinesRemoved});
    // After the 200 is out (nua keeps the order of what we post).
    nua_handle_t* nh = leg.nh;
    auto end = [this, nh] {
      if (legs_.contains(nh)) {
        nua_bye(nh, SIPTAG_REASON_STR("SIP;cause=200;text=\"every media line removed\""),
                TAG_END());
      }
    };
    if (loop_ != nullptr) {
      loop_->post(end);
    } else {
      end();
    }
    log::info(kComponent, "call_lines_removed").kv("call_id", leg.call_id);
    return;
  }
  respondSdp(leg.nh, localSdp(leg, false), update_of);
  log::info(kComponent, "call_updated")
      .kv("call_id", leg.call_id)
      .kv("direction", leg.audio.answer_direction);
}

void CallHandler::onInfo(CallLeg& leg, const sip_t* sip, nua_t* current) {
  const std::string type = contentTypeOf(sip);
  const std::string_view body =
      sip->sip_payload != nullptr
          ? std::string_view(sip->sip_payload->pl_data, sip->sip_payload->pl_len)
          : std::string_view{};
  const auto digit = infoDtmfDigit(type, body);
  if (!digit) {
    // RFC 6086 §4.2.2: a body we do not take is refused with 415 and what we accept.
    nua_respond(leg.nh, SIP_415_UNSUPPORTED_MEDIA, NUTAG_WITH_CURRENT(current),
                SIPTAG_ACCEPT_STR("application/dtmf-relay, application/dtmf"), TAG_END());
    return;
  }
  nua_respond(leg.nh, SIP_200_OK, NUTAG_WITH_CURRENT(current), TAG_END());
  log::debug(kComponent, "info_dtmf").kv("call_id", leg.call_id);
  conference_.onDtmf(leg.participant, *digit);
}

void CallHandler::onAck(CallLeg& leg, const sip_t* sip) {
  const bool first_ack = leg.awaiting_ack;
  leg.awaiting_ack = false;
  if (first_ack) {
    for (const auto& line : leg.extra_lines) {
      conference_.confirmed(line.participant);
      conference_.update(line.participant, endpointFor(line.audio, leg.local));
    }
    conference_.confirmed(leg.participant);
  }
  if (!leg.awaiting_answer_in_ack) {
    if (first_ack) {
      conference_.update(leg.participant, endpointFor(leg.audio, leg.local));
    }
    return;
  }
  leg.awaiting_answer_in_ack = false;
  const auto answer = sdpBody(sip);
  auto negotiated = answer ? negotiatorFor(leg.room).negotiate(*answer, leg.secure)
                           : std::variant<NegotiatedAudio, SdpRejection>(SdpRejection{});
  if (auto* r = std::get_if<SdpRejection>(&negotiated)) {
    log::warn(kComponent, "ack_without_usable_answer")
        .kv("call_id", leg.call_id)
        .kv("warning", r->warning);
    leave_reasons_[leg.call_id] = {conference::LeaveCause::kBadAnswer};
    nua_bye(leg.nh, SIPTAG_REASON_STR("SIP;cause=488;text=\"no usable SDP answer\""), TAG_END());
    return;
  }
  leg.audio = std::get<NegotiatedAudio>(negotiated);
  conference_.update(leg.participant, endpointFor(leg.audio, leg.local));
}

void CallHandler::onOwnInviteSent(CallLeg& leg) {
  if (leg.established()) {
    leg.own_reinvite_pending = true;
    if (leg.refresh_due) {  // ours or nua's refresh: the next is due half an interval on
      leg.refresh_due = clock_.now() + refreshAfter(leg.session_interval);
    }
  }
}

void CallHandler::ackRefresh(CallLeg& leg, const sip_t* sip) {
  const auto offer = sdpBody(sip);
  if (!offer) {
    nua_ack(leg.nh, TAG_END());
    return;
  }
  auto negotiated = negotiatorFor(leg.room).negotiate(*offer, leg.secure);
  if (auto* r = std::get_if<SdpRejection>(&negotiated)) {
    // An ACK cannot refuse: it goes without an answer, and the call ends.
    nua_ack(leg.nh, TAG_END());
    log::warn(kComponent, "refresh_offer_unusable")
        .kv("call_id", leg.call_id)
        .kv("warning", r->warning);
    noteReason(leg, {conference::LeaveCause::kBadOffer});
    nua_bye(leg.nh, SIPTAG_REASON_STR("SIP;cause=488;text=\"no usable SDP offer\""), TAG_END());
    return;
  }
  leg.audio = std::get<NegotiatedAudio>(negotiated);
  conference_.update(leg.participant, endpointFor(leg.audio, leg.local));
  const std::string answer = localSdp(leg, false);
  nua_ack(leg.nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(answer.c_str()),
          TAG_END());
}

void CallHandler::onTerminated(nua_handle_t* nh, conference::LeaveReason reason) {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  if (pending_.erase(nh) > 0) {
    log::info(kComponent, "invite_cancelled").kv("reason", conference::leaveReasonText(reason));
  }
  // A referrer that hung up hears no more of its REFERs.
  for (auto& [handle, other] : legs_) {
    if (other->refer && other->refer->referrer == nh) {
      other->refer->referrer = nullptr;
    }
  }
  const auto it = legs_.find(nh);
  if (it != legs_.end()) {
    CallLeg& leg = *it->second;
    reportRefer(leg, 487, sip_status_phrase(487));  // ended before any final answer
    const auto why = leave_reasons_.find(leg.call_id);
    const conference::LeaveReason left = why != leave_reasons_.end() ? why->second : reason;
    if (!leg.replaced) {  // a replaced dialog's participant lives on in the new one
      conference_.leave(leg.participant, left);
    }
    for (const auto& line : leg.extra_lines) {
      conference_.leave(line.participant, left);
    }
    if (why != leave_reasons_.end()) {
      leave_reasons_.erase(why);
    }
    legs_.erase(it);
  }
  nua_handle_destroy(nh);
}

void CallHandler::noteReason(nua_handle_t* nh, conference::LeaveReason reason) {
  if (const CallLeg* l = leg(nh)) {
    noteReason(*l, reason);
  }
}

void CallHandler::noteReason(const CallLeg& leg, conference::LeaveReason reason) {
  leave_reasons_.try_emplace(leg.call_id, reason);
}

void CallHandler::bye(mixer::ParticipantId participant, conference::LeaveReason reason) {
  MCU_DCHECK(loop_ == nullptr || loop_->isInLoopThread());
  for (auto& [nh, leg] : legs_) {
    // A further line of a trunk's dialog: that caller leaves, the dialog and its other
    // callers go on, and the line is answered with port 0 from now on.
    const auto line =
        std::find_if(leg->extra_lines.begin(), leg->extra_lines.end(),
                     [participant](const auto& l) { return l.participant == participant; });
    if (line != leg->extra_lines.end()) {
      leg->dropped_lines.insert(line->audio.line_index);
      leg->extra_lines.erase(line);
      conference_.leave(participant, reason);
      log::info(kComponent, "line_dropped")
          .kv("call_id", leg->call_id)
          .kv("reason", conference::leaveReasonText(reason));
      return;
    }
    if (leg->participant == participant && !leg->replaced) {
      hangUp(nh, *leg, reason);
      log::info(kComponent, "bye_sent")
          .kv("call_id", leg->call_id)
          .kv("reason", conference::leaveReasonText(reason));
    }
  }
}

}  // namespace mcu::sip
