// A new caller's way into its room: in a cluster, through the node that owns the room
// (RFC 3261 §8.3.1 / §21.3.3: 302 with the owner in Contact, which the proxy in front follows);
// then the room's policy from the database when this node has not seen it.
#include <sofia-sip/sip_status.h>

#include <algorithm>
#include <cctype>

#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"

namespace mcu::sip {
namespace {
constexpr const char* kComponent = "sip";
}  // namespace

void CallHandler::placeInvite(PendingInvite invite) {
  if (ownership_ == nullptr || loop_ == nullptr || !conference::validRoomName(invite.room)) {
    lookUpOrFinish(std::move(invite));
    return;
  }
  invite.token = ++next_token_;
  invite.deadline = clock_.now() + kRoomLookupTimeout;
  invite.awaiting_owner = true;
  const std::uint64_t token = invite.token;
  const std::string room = invite.room;
  pending_[invite.nh] = std::move(invite);
  // At once when the room is ours; else when the database answers, on this loop.
  ownership_->claim(
      room, [this, token](const conference::RoomPlace& place) { roomPlaced(token, place); });
}

void CallHandler::roomPlaced(std::uint64_t token, const conference::RoomPlace& place) {
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [token](const auto& entry) { return entry.second.token == token; });
  if (it == pending_.end()) {
    return;  // CANCELled, or answered 503 at the deadline
  }
  PendingInvite invite = std::move(it->second);
  pending_.erase(it);
  invite.awaiting_owner = false;
  using Where = conference::RoomPlace::Where;
  switch (place.where) {
    case Where::kHere:
      lookUpOrFinish(std::move(invite), place.fresh);
      return;
    case Where::kElsewhere:
      redirectInvite(invite, place);
      return;
    case Where::kFenced:
    case Where::kUnknown:
      // The proxy tries the next node on 503; this one may not say where the room is.
      refuseInvite(invite.nh, 503,
                   place.where == Where::kFenced ? "399 mcu \"not taking new calls\""
                                                 : "399 mcu \"room owner unknown\"");
      log::info(kComponent, "invite_refused")
          .kv("reason", place.where == Where::kFenced ? "fenced" : "owner_unknown")
          .kv("room", invite.room)
          .kv("call_id", invite.call_id);
      return;
  }
}

void CallHandler::redirectInvite(const PendingInvite& invite, const conference::RoomPlace& place) {
  // The PIN travels with the caller; nothing else of the URI is ours to pass on. A PIN of
  // other characters than digits is not copied into a header of ours.
  std::string contact = "<sip:" + invite.room + "@" + place.owner_sip;
  if (invite.pin && !invite.pin->empty() &&
      std::all_of(invite.pin->begin(), invite.pin->end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    contact += ";pin=" + *invite.pin;
  }
  contact += ">";
  nua_respond(invite.nh, SIP_302_MOVED_TEMPORARILY, SIPTAG_CONTACT_STR(contact.c_str()), TAG_END());
  outcomes_.count(302);
  log::info(kComponent, "invite_redirected")
      .kv("room", invite.room)
      .kv("owner", place.owner_node)
      .kv("call_id", invite.call_id);
}

void CallHandler::lookUpOrFinish(PendingInvite invite, bool refresh) {
  // A room this server has not seen may have been created since (over REST on another node,
  // in SQL): ask the database before deciding, without holding the control thread. The
  // INVITE waits meanwhile (nta sends 100 Trying), and a CANCEL can still end it.
  if (loop_ != nullptr && conference::validRoomName(invite.room) &&
      (refresh || !conference_.knowsRoom(invite.room)) && conference_.canLookUpRooms()) {
    invite.token = ++next_token_;
    invite.deadline = clock_.now() + kRoomLookupTimeout;
    const std::uint64_t token = invite.token;
    const std::string room = invite.room;
    pending_[invite.nh] = std::move(invite);
    Loop* loop = loop_;
    conference_.lookupRoom(room, [this, loop, token](std::optional<store::RoomRow> row) {
      loop->post([this, token, row = std::move(row)] { roomLookedUp(token, row); });
    });
    return;
  }
  finishInvite(invite);
}

}  // namespace mcu::sip
