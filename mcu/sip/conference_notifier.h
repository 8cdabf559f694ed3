// The RFC 4575 conference event package (RFC 6665 subscriptions, RFC 4353 §6): a SUBSCRIBE to
// sip:ROOM@us with Event: conference gets 200 and the room's full state, then a partial
// document (version + 1) whenever a participant joins, leaves, is muted, held or moved, until
// the subscription expires, is withdrawn, or the room goes (terminated;reason=noresource).
// On the control thread, inside nua's callback and the conference's watcher.
#pragma once

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "mcu/common/loop.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/conference_info.h"
#include "mcu/sip/local_contact.h"

namespace mcu::sip {

struct NotifierPolicy {
  std::size_t max_per_room = 200;   // sip.max_subscriptions_per_room
  std::size_t max_per_source = 50;  // sip.max_subscriptions_per_source
};

class ConferenceNotifier {
 public:
  ConferenceNotifier(conference::Conference& conference, NotifierPolicy policy,
                     SipListeners listeners, int retry_after_s);
  // Where flushes are posted, so the events of one turn make one NOTIFY per subscriber.
  void setLoop(Loop* loop) { loop_ = loop; }

  // nua_i_subscribe (`status`: what nua answered itself, 100 when it is ours to answer).
  // `in_call` : the SUBSCRIBE came in a call's dialog.
  void onSubscribe(nua_t* nua, nua_handle_t* nh, int status, const sip_t* sip, bool in_call,
                   bool draining);
  bool owns(nua_handle_t* nh) const { return subscriptions_.contains(nh); }
  // nua_r_notify for one of ours; `terminated`: nua says the subscription is over.
  void onNotifyAnswered(nua_handle_t* nh, int status, bool terminated);
  // The conference's watcher: a participant changed, or a room went.
  void onRoomEvent(const std::string& type, const std::string& room, mixer::ParticipantId id);
  std::size_t subscriptions() const { return subscriptions_.size(); }
  std::uint64_t notifiesSent() const { return notifies_sent_; }

 private:
  struct Subscription {
    std::string room;
    std::string entity;  // the conference URI as the subscriber addressed it
    std::string source;
    std::uint32_t version = 0;
    bool in_flight = false;  // a NOTIFY of ours awaits its answer: changes wait and coalesce
    bool ending = false;     // the terminating NOTIFY is out
    std::set<mixer::ParticipantId> dirty;
    std::map<mixer::ParticipantId, std::string> known;  // what the subscriber holds: id -> its user
  };
  void refuse(nua_t* nua, nua_handle_t* nh, int status, const std::string& why);
  conference::ConferenceInfoRoom roomInfo(const Subscription& sub) const;
  void sendFull(nua_handle_t* nh, Subscription& sub);
  // Participants as one flush round saw them (room and id): looked up once per round, not once
  // per subscriber (100 subscribers of one room share every view).
  using ViewCache = std::map<std::pair<std::string, mixer::ParticipantId>,
                             std::optional<conference::ParticipantView>>;
  void flush(nua_handle_t* nh, Subscription& sub, ViewCache& views);
  void flushAll();
  void end(nua_handle_t* nh);
  void notify(nua_handle_t* nh, const std::string& body);

  conference::Conference& conference_;
  NotifierPolicy policy_;
  SipListeners listeners_;
  int retry_after_s_;
  Loop* loop_ = nullptr;
  bool flush_posted_ = false;
  std::map<nua_handle_t*, Subscription> subscriptions_;
  std::uint64_t notifies_sent_ = 0;
};

}  // namespace mcu::sip
