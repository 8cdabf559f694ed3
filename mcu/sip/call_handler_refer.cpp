// CallHandler, REFER to the focus (RFC 3515, RFC 4579 §5.5, RFC 4488): a participant (in its
// dialog) or an allowed controller (outside any dialog) asks the room to call someone, which
// is a REST dial-out reported back as NOTIFYs of message/sipfrag, or to drop a participant
// (;method=BYE). A phone's blind transfer therefore brings its target into the room.
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/url.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "mcu/common/dial_target.h"
#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// The method a Refer-To asks for (RFC 3261 §19.1.1 "method" parameter), INVITE by default.
std::string referredMethod(const url_t* target) {
  std::array<char, 16> value{};
  if (target->url_params != nullptr &&
      url_param(target->url_params, "method", value.data(), value.size()) > 0) {
    return upper(value.data());
  }
  return "INVITE";
}

// The target as we dial it: scheme, user, host, port and parameters other than "method";
// headers (?Replaces=...) dropped.
std::string dialableUri(const url_t* target) {
  std::string uri = target->url_type == url_sips ? "sips:" : "sip:";
  if (target->url_user != nullptr) {
    uri += std::string(target->url_user) + "@";
  }
  uri += target->url_host != nullptr ? target->url_host : "";
  if (target->url_port != nullptr) {
    uri += std::string(":") + target->url_port;
  }
  if (target->url_params != nullptr) {
    std::string params = target->url_params;
    std::size_t start = 0;
    while (start <= params.size()) {
      const std::size_t end = std::min(params.find(';', start), params.size());
      const std::string param = params.substr(start, end - start);
      if (!param.empty() && upper(param.substr(0, 7)) != "METHOD=") {
        uri += ";" + param;
      }
      start = end + 1;
    }
  }
  return uri;
}

// "Replaces: ...\r\n" from a Refer-To URI's ?Replaces= header, or "": the only header a REFER
// may put in the INVITE we send.
std::string replacesHeaderOf(const url_t* target) {
  if (target->url_headers == nullptr) {
    return {};
  }
  su_home_t home[1] = {SU_HOME_INIT(home)};  // NOLINT(modernize-avoid-c-arrays): sofia idiom
  const char* text = url_query_as_header_string(home, target->url_headers);
  const std::string all = text != nullptr ? text : "";
  su_home_deinit(home);
  std::string found;
  std::size_t at = 0;
  while (at < all.size()) {
    const std::size_t end = std::min(all.find('\n', at), all.size());
    std::string line = all.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (upper(line.substr(0, 9)) == "REPLACES:" &&
        line.find_first_of("\r\n") == std::string::npos) {
      found = line + "\r\n";
    }
    at = end + 1;
  }
  return found;
}

bool sameAddressOfRecord(const url_t* a, const url_t* b) {
  const auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  return text(a->url_user) == text(b->url_user) &&
         upper(text(a->url_host)) == upper(text(b->url_host)) &&
         (a->url_port == nullptr || b->url_port == nullptr ||
          text(a->url_port) == text(b->url_port));
}

bool isLoopback(const std::string& host) {
  return host.starts_with("127.") || host == "::1" || host == "[::1]" || host == "localhost";
}

}  // namespace

bool CallHandler::pointsAtUs(const url_t* target) const {
  const std::string host = target->url_host != nullptr ? target->url_host : "";
  const int port = target->url_port != nullptr ? std::atoi(target->url_port)
                                               : (target->url_type == url_sips ? 5061 : 5060);
  for (const auto& listener : {std::optional(listeners_.listen), listeners_.tls}) {
    if (!listener || listener->port != port) {
      continue;
    }
    if (host == listener->host || (isWildcardHost(listener->host) &&
                                   (isLoopback(host) || localAddressToward(host) == host))) {
      return true;
    }
  }
  return false;
}

std::size_t CallHandler::pendingRefers() const {
  return static_cast<std::size_t>(std::count_if(legs_.begin(), legs_.end(), [](const auto& l) {
    return l.second->refer && !l.second->refer->final_sent;
  }));
}

void CallHandler::refuseRefer(nua_t* nua, nua_handle_t* nh, bool in_dialog, int status,
                              const std::string& warning) {
  const std::string retry = std::to_string(retry_after_s_);
  const std::string warning_header = "399 mcu \"" + warning + "\"";
  nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_THIS(nua),
              SIPTAG_WARNING_STR(warning_header.c_str()),
              TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR(retry.c_str())), TAG_END());
  if (!in_dialog) {
    nua_handle_destroy(nh);
  }
}

void CallHandler::onRefer(nua_t* nua, nua_handle_t* nh, CallLeg* leg, const sip_t* sip,
                          const std::string& event, bool draining) {
  const bool in_dialog = leg != nullptr;
  const std::string source = sourceOf(sip);
  auto refuse = [&](int status, const std::string& why) {
    refuseRefer(nua, nh, in_dialog, status, why);
    log::info(kComponent, "refer_refused")
        .kv("status", status)
        .kv("reason", why)
        .kv("source", source)
        .kv("call_id", callIdOf(sip));
  };
  std::string room;
  if (in_dialog) {
    room = leg->room;
  } else {
    const auto& allowed = refer_policy_.sources;
    if (std::find(allowed.begin(), allowed.end(), source) == allowed.end()) {
      refuse(403, "REFER outside a dialog is not allowed from " + source);
      return;
    }
    const url_t* ruri = sip->sip_request != nullptr ? sip->sip_request->rq_url : nullptr;
    room = ruri != nullptr && ruri->url_user != nullptr ? ruri->url_user : "";
    if (!conference_.knowsRoom(room)) {
      refuse(404, "no room named '" + room + "'");
      return;
    }
  }
  if (draining) {
    refuse(503, "shutting down");
    return;
  }
  const sip_refer_to_t* refer_to = sip->sip_refer_to;
  if (refer_to == nullptr) {
    refuse(400, "a REFER needs one Refer-To");  // RFC 3515 §2.4.2
    return;
  }
  const url_t* target = refer_to->r_url;
  if (target->url_type != url_sip && target->url_type != url_sips) {
    refuse(488, "the focus can only call sip: and sips: URIs");
    return;
  }
  if (target->url_host == nullptr) {
    refuse(400, "the Refer-To URI has no host");
    return;
  }
  const bool subscribed =
      sip_refer_sub(sip) == nullptr || upper(sip_refer_sub(sip)->rs_value) != "FALSE";
  const std::string method = referredMethod(target);
  if (method == "BYE") {
    for (auto& [handle, other] : legs_) {
      const auto view = conference_.participant(room, other->participant);
      if (!view) {
        continue;
      }
      su_home_t home[1] = {SU_HOME_INIT(home)};  // NOLINT(modernize-avoid-c-arrays): sofia idiom
      const url_t* uri = url_make(home, view->from_uri.c_str());
      const bool match = uri != nullptr && sameAddressOfRecord(uri, target);
      su_home_deinit(home);
      if (match) {
        nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_THIS(nua),
                    TAG_IF(!subscribed, SIPTAG_REFER_SUB_STR("false")), TAG_END());
        bye(other->participant, {conference::LeaveCause::kReferredBye});
        if (subscribed) {
          notifyReferrer(nh, event, 200, "OK", true);
        }
        if (!in_dialog) {
          out_of_dialog_refers_[nh] = true;
        }
        log::info(kComponent, "refer_bye")
            .kv("room", room)
            .kv("participant", static_cast<std::int64_t>(other->participant.value()));
        return;
      }
    }
    // Not a final 404 to the REFER: in a dialog, nua takes that as the dialog's end (RFC
    // 5057). The REFER is fine; the BYE it asks for has no one to go to.
    nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_THIS(nua),
                TAG_IF(!subscribed, SIPTAG_REFER_SUB_STR("false")), TAG_END());
    if (subscribed) {
      notifyReferrer(nh, event, 404, "Not Found", true);
    }
    if (!in_dialog) {
      out_of_dialog_refers_[nh] = true;
    }
    log::info(kComponent, "refer_bye_unknown").kv("room", room).kv("target", dialableUri(target));
    return;
  }
  if (method != "INVITE") {
    refuse(488, "a focus takes REFER for INVITE or BYE only");
    return;
  }
  if (pointsAtUs(target)) {
    refuse(403, "the target is this server");
    return;
  }
  const std::string uri = dialableUri(target);
  if (const auto refusal = checkDialTarget(uri, refer_policy_.dialout_allow)) {
    refuse(refusal->status == 403 ? 403 : 400, refusal->detail);
    return;
  }
  if (pendingRefers() >= refer_policy_.max_pending) {
    refuse(503, "too many REFERs in progress");
    return;
  }
  nua_respond(nh, SIP_202_ACCEPTED, NUTAG_WITH_THIS(nua),
              TAG_IF(!subscribed, SIPTAG_REFER_SUB_STR("false")), TAG_END());
  if (!in_dialog) {
    if (subscribed) {
      out_of_dialog_refers_[nh] = false;
    } else {
      nua_handle_destroy(nh);
      nh = nullptr;
    }
  }
  // An attended transfer's target names the dialog it is to take over (RFC 3891 §7.1:
  // Refer-To: <sip:carol@pbx?Replaces=...>): our INVITE carries that Replaces header.
  const std::string headers = replacesHeaderOf(target);
  const auto placed = conference_.dialOut(room, uri, headers, "refer");
  log::info(kComponent, "refer_accepted")
      .kv("room", room)
      .kv("target", uri)
      .kv("status", placed.status)
      .kv("in_dialog", in_dialog);
  if (placed.status != 202 || !placed.participant) {
    if (nh != nullptr && subscribed) {
      notifyReferrer(nh, event, placed.status < 300 ? 500 : placed.status,
                     sip_status_phrase(placed.status), true);
    }
    return;
  }
  const mixer::ParticipantId id = placed.participant->id;
  for (auto& [handle, dialled] : legs_) {
    if (dialled->participant == id) {
      dialled->refer = ReferReport{nh, event, subscribed && nh != nullptr, false};
    }
  }
  // The first NOTIFY after nua has sent the 202: sent from inside this callback, it went out
  // first, as "pending", and nua sent it again once the 202 made the subscription active.
  auto first_notify = [this, id] {
    for (auto& [handle, dialled] : legs_) {
      if (dialled->participant == id && dialled->refer && !dialled->refer->trying_sent) {
        dialled->refer->trying_sent = true;
        if (!dialled->refer->final_sent) {
          reportRefer(*dialled, 100, "Trying");
        }
      }
    }
  };
  if (loop_ != nullptr) {
    loop_->post(first_notify);
  } else {
    first_notify();
  }
}

void CallHandler::reportRefer(CallLeg& dialled, int status, const char* phrase) {
  if (!dialled.refer || dialled.refer->final_sent) {
    return;
  }
  ReferReport& report = *dialled.refer;
  if (status < 200 && !report.trying_sent) {
    return;  // nothing before our "100 Trying"
  }
  const bool final = status >= 200;
  report.final_sent = final;
  if (report.referrer != nullptr && report.subscribed) {
    notifyReferrer(report.referrer, report.event, status, phrase, final);
  }
}

void CallHandler::notifyReferrer(nua_handle_t* referrer, const std::string& event, int status,
                                 const char* phrase, bool final) {
  const std::string fragment =
      "SIP/2.0 " + std::to_string(status) + " " + (phrase != nullptr ? phrase : "") + "\r\n";
  nua_notify(referrer, SIPTAG_EVENT_STR(event.c_str()),
             NUTAG_SUBSTATE(final ? nua_substate_terminated : nua_substate_active),
             SIPTAG_CONTENT_TYPE_STR("message/sipfrag;version=2.0"),
             SIPTAG_PAYLOAD_STR(fragment.c_str()), TAG_END());
  if (final) {
    if (const auto it = out_of_dialog_refers_.find(referrer); it != out_of_dialog_refers_.end()) {
      it->second = true;
    }
  }
}

void CallHandler::onNotifyAnswered(nua_handle_t* nh, int status) {
  if (status < 200) {
    return;
  }
  const auto it = out_of_dialog_refers_.find(nh);
  const bool referrer_gone = status >= 300;
  if (referrer_gone) {
    for (auto& [handle, dialled] : legs_) {
      if (dialled->refer && dialled->refer->referrer == nh) {
        dialled->refer->referrer = nullptr;
      }
    }
  }
  if (it != out_of_dialog_refers_.end() && (it->second || referrer_gone)) {
    out_of_dialog_refers_.erase(it);
    nua_handle_destroy(nh);
  }
}

}  // namespace mcu::sip
