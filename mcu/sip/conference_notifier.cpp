#include "mcu/sip/conference_notifier.h"

#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>

#include <algorithm>
#include <vector>

#include "mcu/common/log.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";
constexpr const char* kEvent = "conference";
constexpr const char* kContentType = "application/conference-info+xml";

// A subscriber that lists what it accepts must list our document type (RFC 6665 §4.2.1.1).
bool acceptsConferenceInfo(const sip_t* sip) {
  if (sip->sip_accept == nullptr) {
    return true;
  }
  for (const sip_accept_t* a = sip->sip_accept; a != nullptr; a = a->ac_next) {
    const std::string type = a->ac_type != nullptr ? a->ac_type : "";
    if (type == kContentType || type == "application/*" || type == "*/*") {
      return true;
    }
  }
  return false;
}

// The conference URI without parameters or headers: what the documents name as their entity.
std::string entityOf(const sip_t* sip, const std::string& room) {
  const url_t* uri = sip->sip_request->rq_url;
  std::string entity = uri->url_type == url_sips ? "sips:" : "sip:";
  entity += room + "@" + (uri->url_host != nullptr ? uri->url_host : "");
  if (uri->url_port != nullptr) {
    entity += std::string(":") + uri->url_port;
  }
  return entity;
}

// Participant events that change what a subscriber is shown; talking is not among them (it
// changes several times a second, RFC 6465 carries it in the media).
bool changesRoster(const std::string& type) {
  return type.starts_with("participant.") && type != "participant.talking" &&
         type != "participant.stopped_talking";
}

}  // namespace

ConferenceNotifier::ConferenceNotifier(conference::Conference& conference, NotifierPolicy policy,
                                       SipListeners listeners, int retry_after_s)
    : conference_(conference),
      policy_(policy),
      listeners_(std::move(listeners)),
      retry_after_s_(retry_after_s) {}

void ConferenceNotifier::refuse(nua_t* nua, nua_handle_t* nh, int status, const std::string& why) {
  const std::string retry = std::to_string(retry_after_s_);
  const std::string warning = "399 mcu \"" + why + "\"";
  nua_respond(nh, status, sip_status_phrase(status), NUTAG_WITH_THIS(nua),
              SIPTAG_WARNING_STR(warning.c_str()),
              TAG_IF(status == 503, SIPTAG_RETRY_AFTER_STR(retry.c_str())),
              TAG_IF(status == 406, SIPTAG_ACCEPT_STR(kContentType)), TAG_END());
}

void ConferenceNotifier::onSubscribe(nua_t* nua, nua_handle_t* nh, int status, const sip_t* sip,
                                     bool in_call, bool draining) {
  if (status >= 200 || sip == nullptr) {
    return;  // nua answered it (a refresh of a REFER's implicit subscription)
  }
  const auto known = subscriptions_.find(nh);
  if (known != subscriptions_.end()) {
    // A refresh, or Expires: 0 to end it: nua then sends the last NOTIFY again, with the new
    // expiry or as terminated (RFC 6665 §4.2.1.2), and reports the end in nua_r_notify.
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
    return;
  }
  const std::string source = sourceOf(sip);
  const url_t* ruri = sip->sip_request != nullptr ? sip->sip_request->rq_url : nullptr;
  const std::string room = ruri != nullptr && ruri->url_user != nullptr ? ruri->url_user : "";
  auto refused = [&](int code, const std::string& why) {
    refuse(nua, nh, code, why);
    if (!in_call) {
      nua_handle_destroy(nh);
    }
    log::info(kComponent, "subscribe_refused")
        .kv("status", code)
        .kv("reason", why)
        .kv("room", room)
        .kv("source", source);
  };
  if (in_call) {
    // Its end would be the call's: a subscriber uses a dialog of its own (RFC 4579 §5.4).
    refused(403, "subscribe outside the call's dialog");
    return;
  }
  if (draining) {
    refused(503, "shutting down");
    return;
  }
  if (!acceptsConferenceInfo(sip)) {
    refused(406, std::string("the conference package sends ") + kContentType);
    return;
  }
  if (!conference_.knowsRoom(room)) {
    refused(404, "no room named '" + room + "'");
    return;
  }
  std::size_t in_room = 0;
  std::size_t from_source = 0;
  for (const auto& [handle, sub] : subscriptions_) {
    in_room += sub.room == room ? 1U : 0U;
    from_source += sub.source == source ? 1U : 0U;
  }
  if (in_room >= policy_.max_per_room) {
    refused(503, "too many subscriptions to this room");
    return;
  }
  if (from_source >= policy_.max_per_source) {
    refused(503, "too many subscriptions from " + source);
    return;
  }
  // nua gives the 200 an Expires of the one asked for, at most NUTAG_SUB_EXPIRES; the first
  // NOTIFY follows at once (RFC 6665 §4.2.1.2), in the order nua received our calls.
  // Our Contact names the room and says it is a focus (RFC 4579 §5.3), as in its calls; the
  // NOTIFYs of the dialog carry it too.
  const std::string contact = contactForRequest(listeners_, sip, room);
  nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), SIPTAG_CONTACT_STR(contact.c_str()), TAG_END());
  Subscription& sub = subscriptions_[nh];
  sub.room = room;
  sub.entity = entityOf(sip, room);
  sub.source = source;
  sendFull(nh, sub);
  log::info(kComponent, "subscribed")
      .kv("room", room)
      .kv("source", source)
      .kv("call_id", callIdOf(sip));
}

conference::ConferenceInfoRoom ConferenceNotifier::roomInfo(const Subscription& sub) const {
  conference::ConferenceInfoRoom info;
  info.entity = sub.entity;
  info.name = sub.room;
  if (const auto status = conference_.roomStatus(sub.room)) {
    info.locked = status->first.locked;
    info.max_participants = status->first.max_participants;
    info.user_count = status->second;
  }
  return info;
}

void ConferenceNotifier::sendFull(nua_handle_t* nh, Subscription& sub) {
  const auto participants =
      conference_.participants(sub.room).value_or(std::vector<conference::ParticipantView>{});
  sub.known.clear();
  sub.dirty.clear();
  for (const auto& p : participants) {
    sub.known[p.id] = p.from_uri;
  }
  notify(nh, conference::conferenceInfoFull(roomInfo(sub), participants, ++sub.version));
  sub.in_flight = true;
}

void ConferenceNotifier::notify(nua_handle_t* nh, const std::string& body) {
  nua_notify(nh, SIPTAG_EVENT_STR(kEvent), NUTAG_SUBSTATE(nua_substate_active),
             SIPTAG_CONTENT_TYPE_STR(kContentType), SIPTAG_PAYLOAD_STR(body.c_str()), TAG_END());
  ++notifies_sent_;
}

void ConferenceNotifier::flush(nua_handle_t* nh, Subscription& sub, ViewCache& views) {
  if (sub.in_flight || sub.ending || sub.dirty.empty()) {
    return;
  }
  std::vector<conference::EndpointChange> changes;
  for (const auto id : sub.dirty) {
    auto [cached, fresh] = views.try_emplace({sub.room, id});
    if (fresh) {
      cached->second = conference_.participant(sub.room, id);
    }
    auto now = cached->second;
    if (now && now->state != conference::CallState::kFailed) {
      sub.known[id] = now->from_uri;
      changes.push_back({id, now->from_uri, std::move(now), false});
      continue;
    }
    const auto told = sub.known.find(id);
    if (told == sub.known.end()) {
      continue;  // came and went between two NOTIFYs: the subscriber never knew of it
    }
    const std::string aor = told->second;
    sub.known.erase(told);
    const bool last = std::none_of(sub.known.begin(), sub.known.end(),
                                   [&aor](const auto& k) { return k.second == aor; });
    changes.push_back({id, aor, std::nullopt, last});
  }
  sub.dirty.clear();
  if (changes.empty()) {
    return;
  }
  notify(nh, conference::conferenceInfoPartial(roomInfo(sub), changes, ++sub.version));
  sub.in_flight = true;
}

void ConferenceNotifier::flushAll() {
  flush_posted_ = false;
  ViewCache views;
  for (auto& [nh, sub] : subscriptions_) {
    flush(nh, sub, views);
  }
}

void ConferenceNotifier::onRoomEvent(const std::string& type, const std::string& room,
                                     mixer::ParticipantId id) {
  if (type == "room.deleted") {
    std::vector<nua_handle_t*> ending;
    for (auto& [nh, sub] : subscriptions_) {
      if (sub.room == room && !sub.ending) {
        ending.push_back(nh);
      }
    }
    for (auto* nh : ending) {
      end(nh);
    }
    return;
  }
  if (!id.valid() || !changesRoster(type)) {
    return;
  }
  bool any = false;
  for (auto& [nh, sub] : subscriptions_) {
    // Its own room's subscribers, and those of a room it was moved out of.
    if (sub.room == room || sub.known.contains(id)) {
      sub.dirty.insert(id);
      any = true;
    }
  }
  // After the event's own turn: the conference finishes the change (a leaver is out of the
  // count) and the other events of the same turn go in the same NOTIFY.
  if (any && !flush_posted_) {
    flush_posted_ = true;
    if (loop_ != nullptr) {
      loop_->post([this] { flushAll(); });
    } else {
      flushAll();
    }
  }
}

void ConferenceNotifier::end(nua_handle_t* nh) {
  auto& sub = subscriptions_.at(nh);
  sub.ending = true;
  // The room is gone: nua writes Subscription-State: terminated;reason=noresource (RFC 6665).
  nua_notify(nh, SIPTAG_EVENT_STR(kEvent), NUTAG_SUBSTATE(nua_substate_terminated), TAG_END());
  ++notifies_sent_;
  log::info(kComponent, "subscription_ended").kv("room", sub.room).kv("reason", "noresource");
}

void ConferenceNotifier::onNotifyAnswered(nua_handle_t* nh, int status, bool terminated) {
  const auto it = subscriptions_.find(nh);
  if (it == subscriptions_.end() || (status < 200 && !terminated)) {
    return;
  }
  // Over (expired, withdrawn, ended by us), or the subscriber is gone (RFC 6665 §4.2.2: a
  // NOTIFY answered 481, or not at all, ends the subscription).
  if (terminated || status >= 300) {
    log::info(kComponent, "subscription_over")
        .kv("room", it->second.room)
        .kv("status", status)
        .kv("source", it->second.source);
    subscriptions_.erase(it);
    nua_handle_destroy(nh);
    return;
  }
  it->second.in_flight = false;
  ViewCache views;
  flush(nh, it->second, views);
}

}  // namespace mcu::sip
