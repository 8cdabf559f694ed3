// The calls of the SIP front end: one CallLeg per INVITE dialog, from the offer to the BYE.
// Runs on the control thread inside nua's callback. It speaks SIP and SDP and nothing else:
// admission and media go to the Conference.
#pragma once

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcu/common/clock.h"
#include "mcu/common/loop.h"
#include "mcu/conference/conference.h"
#include "mcu/conference/room_ownership.h"
#include "mcu/sip/invite_outcomes.h"
#include "mcu/sip/local_contact.h"
#include "mcu/sip/media_address.h"
#include "mcu/sip/sdp_negotiator.h"
#include "mcu/sip/session_timer.h"

namespace mcu::sip {

// A call we place because a REFER asked for it: its progress goes back to the referrer as
// NOTIFYs of message/sipfrag (RFC 3515 §2.4.4), until a final status.
struct ReferReport {
  nua_handle_t* referrer = nullptr;  // nullptr once the referrer's dialog is gone
  std::string event;                 // "refer" or "refer;id=N", as the NOTIFYs must name it
  bool subscribed = true;            // false: the REFER said Refer-Sub: false (RFC 4488)
  bool trying_sent = false;          // the first NOTIFY ("100 Trying") is out
  bool final_sent = false;
};

// Who may REFER and where to (RFC 4579 §5.5): participants in their dialog, and, outside any
// dialog, only the configured source addresses; targets as for REST dial-out.
struct ReferPolicy {
  std::string dialout_allow;         // config dialout.allow
  std::vector<std::string> sources;  // config sip.refer_sources: addresses, exact
  std::size_t max_pending = 32;      // REFERed calls not yet answered, server-wide
};

// RFC 3264 §8.1: a further audio line of a dialog that carries several callers (a trunk or
// gateway): its own participant, RTP port and call record (calls.leg_index = its line).
struct ExtraLine {
  mixer::ParticipantId participant;
  NegotiatedAudio audio;
  std::uint16_t port = 0;
};

struct CallLeg {
  nua_handle_t* nh = nullptr;
  std::string call_id;
  std::string room;
  mixer::ParticipantId participant;
  NegotiatedAudio audio;
  LocalMedia local;
  bool awaiting_answer_in_ack = false;  // offerless INVITE: our offer went in the 200
  // Answered, not yet ACKed: not mixed, so a caller that never ACKs (Timer H, RFC 3261
  // §13.3.1.4, then BYE as ack_timeout) is never heard in the room.
  bool awaiting_ack = false;
  std::chrono::steady_clock::time_point ack_deadline;
  bool outgoing = false;  // we dialled it: our offer went in the INVITE
  bool answered = false;
  bool secure = false;                // its signaling is over TLS: SDES keys may be taken and given
  bool own_reinvite_pending = false;  // nua's session refresh (a re-INVITE) awaits its answer
  // RFC 4028, when the caller is the refresher: ended with BYE at this time unless it
  // refreshes (re-INVITE or UPDATE) first.
  std::optional<std::chrono::steady_clock::time_point> session_deadline;
  // RFC 4028, when we are the refresher: our next refresh (UPDATE when the caller allows it,
  // else an offerless re-INVITE), put off by every refresh either side makes.
  std::optional<std::chrono::steady_clock::time_point> refresh_due;
  bool refresh_by_update = false;
  unsigned session_interval = 0;
  std::optional<ReferReport> refer;  // placed because of a REFER
  bool replaced = false;  // an INVITE with Replaces took its participant: ends without it
  bool hung_up = false;   // we sent BYE (or CANCEL): its participants already left
  std::string last_sdp;   // the last SDP we sent in this dialog (its o= version, RFC 3264 §8)
  // The caller's further lines, in line order (the first line is `participant`/`audio`), who
  // it is (for the lines it adds later), and lines whose participant an admin removed
  // (answered with port 0 from then on).
  std::vector<ExtraLine> extra_lines;
  std::string from_uri;
  std::string display_name;
  std::string source;
  std::optional<std::string> pin;
  std::set<std::size_t> dropped_lines;
  bool established() const { return !outgoing || answered; }
};

// An INVITE to a room the conference does not know, waiting for the database to say.
struct PendingInvite {
  nua_handle_t* nh = nullptr;
  std::uint64_t token = 0;
  std::chrono::steady_clock::time_point deadline;
  std::string call_id;
  std::string room;
  std::optional<std::string> pin;
  std::optional<std::string> offer;
  std::string from_uri;
  std::string display_name;
  bool allows_update = false;  // the caller's Allow lists UPDATE (RFC 3311)
  std::string contact;         // ours, on the transport and scheme the INVITE came on
  bool secure = false;         // it came over TLS
  std::string source;          // the address it came from (top Via's received, else host)
  SessionTimerRequest session_timer;
  bool awaiting_owner = false;  // in a cluster: the room's claim has not been answered yet
};

inline constexpr std::chrono::milliseconds kRoomLookupTimeout{1500};
// RFC 3261 §13.3.1.4, §17.2.1: Timer H = 64 x T1 (500 ms). nua keeps retransmitting an
// unacknowledged 2xx but never ends the dialog itself.
inline constexpr std::chrono::seconds kTimerH{32};

class CallHandler {
 public:
  // `clock` dates the deadlines (room look-up, Timer H, session expiry) that expirePending()
  // is asked about.
  CallHandler(conference::Conference& conference, SdpNegotiator negotiator,
              MediaAddressConfig media, SipListeners listeners, int retry_after_s,
              const Clock& clock = steadyClock());

  // Where database answers come back (the control loop); without it, unknown rooms are
  // decided from the cache at once.
  void setLoop(Loop* loop) { loop_ = loop; }
  // In a cluster: a new caller joins only a room this node has claimed; one owned by another
  // live node is answered 302 to it, and while this node's lease is not live, 503.
  void setRoomOwnership(conference::RoomOwnership* ownership) { ownership_ = ownership; }
  // How new INVITEs were answered (the SIP stack's, for /metrics).
  InviteOutcomes& inviteOutcomes() { return outcomes_; }
  // The user part that asks for a new ad-hoc room (RFC 4579 conference factory); empty: none.
  void setConferenceFactory(std::string name) { conference_factory_ = std::move(name); }
  void setReferPolicy(ReferPolicy policy) { refer_policy_ = std::move(policy); }
  // Audio lines of one dialog taken as participants (rooms.max_lines_per_dialog); more are
  // answered with port 0.
  void setMaxLinesPerDialog(std::size_t lines) { max_lines_ = std::max<std::size_t>(1, lines); }
  // REFER in a participant's dialog (`leg`) or outside any dialog (`leg` null): a target to
  // dial into the room (the default, or ;method=INVITE) or a participant to remove
  // (;method=BYE). `event` is the Event nua made for the implicit subscription.
  void onRefer(nua_t* nua, nua_handle_t* nh, CallLeg* leg, const sip_t* sip,
               const std::string& event, bool draining);
  // The answer to one of our NOTIFYs: a REFER from outside any dialog ends with its last one.
  void onNotifyAnswered(nua_handle_t* nh, int status);
  void onInvite(nua_t* nua, nua_handle_t* nh, const sip_t* sip, bool draining);
  // INVITEs whose room lookup took too long are decided now, sessions the caller did not
  // refresh in time are ended, and ours due a refresh are refreshed (called about every 100 ms).
  void expirePending(std::chrono::steady_clock::time_point now);
  // INFO in a dialog: DTMF (application/dtmf-relay, application/dtmf) is a keypress like an
  // RFC 4733 event; `current` is the nua whose request it is.
  void onInfo(CallLeg& leg, const sip_t* sip, nua_t* current);
  // A re-INVITE, or an UPDATE (`update_of` then names the nua whose current request it is).
  void onReinvite(CallLeg& leg, const sip_t* sip, nua_t* update_of = nullptr);
  void onAck(CallLeg& leg, const sip_t* sip);
  // Dial-out: an INVITE with our offer for a participant the conference admitted; it is in
  // the room from the answer on. `from` is our address of record for the From header.
  void placeCall(nua_t* nua, const conference::OutgoingCall& call, const std::string& from);
  std::string newDialOutCallId();
  // A response to an INVITE we sent.
  void onInviteResponse(CallLeg& leg, int status, const sip_t* sip);
  // nua sends an INVITE of ours: the dial-out itself, or on an established call a session
  // refresh, during which the caller's own re-INVITE is glare (491).
  void onOwnInviteSent(CallLeg& leg);
  // The answer to an UPDATE of ours (a session refresh).
  void onOwnUpdateAnswered(CallLeg& leg);
  // The dialog is over (BYE either way, CANCEL, error): leave the room, free the handle.
  void onTerminated(nua_handle_t* nh, conference::LeaveReason reason);
  // Remembers why a dialog is ending (the first reason given wins).
  void noteReason(nua_handle_t* nh, conference::LeaveReason reason);
  void noteReason(const CallLeg& leg, conference::LeaveReason reason);
  // Ends every call with BYE (shutdown); bye() ends one participant's. Either way its
  // participants leave the room at once, not when the BYE is answered.
  void byeAll(conference::LeaveReason reason);
  void bye(mixer::ParticipantId participant, conference::LeaveReason reason);
  // Shutdown, once the BYEs had their time: forgets the calls whose BYE is still unanswered
  // (their handles destroyed, so that nua's shutdown does not wait out Timer F for them) and
  // says how many there were.
  std::size_t abandonUnanswered();
  std::size_t activeCalls() const { return legs_.size() + pending_.size(); }
  CallLeg* leg(nua_handle_t* nh);

 private:
  // BYE (CANCEL while still ringing), and its participants out of the room now.
  void hangUp(nua_handle_t* nh, CallLeg& leg, conference::LeaveReason reason);
  void finishInvite(const PendingInvite& invite);
  // Where the caller's room lives (cluster), then lookUpOrFinish; without a cluster, at once.
  void placeInvite(PendingInvite invite);
  void roomPlaced(std::uint64_t token, const conference::RoomPlace& place);
  void redirectInvite(const PendingInvite& invite, const conference::RoomPlace& place);
  // A room this server has not seen (or, `refresh`, has just taken over from another node) is
  // asked of the database first; then finishInvite.
  void lookUpOrFinish(PendingInvite invite, bool refresh = false);
  void roomLookedUp(std::uint64_t token, const std::optional<store::RoomRow>& row);
  // The room's codec order when it has one, else the server's.
  SdpNegotiator negotiatorFor(const std::string& room) const;
  // Our SDP for a leg, as an offer or as an answer. RFC 3264 §8: the o= version goes up by
  // one when, and only when, what we describe differs from the last SDP we sent in the dialog.
  std::string localSdp(CallLeg& leg, bool as_offer) const;
  static mixer::MediaEndpoint endpointFor(const NegotiatedAudio& audio, const LocalMedia& local);
  void respondSdp(nua_handle_t* nh, const std::string& sdp, nua_t* current = nullptr);
  void reject(nua_handle_t* nh, int status, const std::string& warning, nua_t* current = nullptr);
  // reject() for a new INVITE, counted among the INVITE outcomes.
  void refuseInvite(nua_handle_t* nh, int status, const std::string& warning) {
    reject(nh, status, warning);
    outcomes_.count(status);
  }
  // The 2xx to our offerless refresh re-INVITE carries the caller's offer: ACK with our answer.
  void ackRefresh(CallLeg& leg, const sip_t* sip);
  // As the refresher (RFC 4028): the session timer as agreed in our 2xx, and the refresh due.
  void startSessionTimer(CallLeg& leg, const SessionTimerAnswer& timer, bool allows_update);
  void refreshSession(CallLeg& leg, std::chrono::steady_clock::time_point now);
  // Tells the referrer of a REFERed call its status (`final`: and the subscription ends).
  void reportRefer(CallLeg& dialled, int status, const char* phrase);
  void notifyReferrer(nua_handle_t* referrer, const std::string& event, int status,
                      const char* phrase, bool final);
  // Refusal of a REFER; a REFER from outside any dialog then has no further use for its handle.
  void refuseRefer(nua_t* nua, nua_handle_t* nh, bool in_dialog, int status,
                   const std::string& warning);
  bool pointsAtUs(const url_t* target) const;
  // INVITE with Replaces (RFC 3891): the dialog it names, and the takeover.
  CallLeg* replacedLeg(nua_t* nua, const sip_replaces_t& replaces);
  void onReplacingInvite(nua_t* nua, nua_handle_t* nh, const sip_t* sip,
                         const sip_replaces_t& replaces);
  std::size_t pendingRefers() const;
  // A further line of `leg` joins its room as a participant of its own (nullopt: refused, and
  // answered with port 0).
  std::optional<ExtraLine> joinLine(CallLeg& leg, const NegotiatedAudio& stream, bool awaiting_ack);
  // A new offer's lines onto the dialog's participants (RFC 3264 §8: lines keep their index;
  // a new one joins, a port 0 one leaves); false when no line is left.
  bool applyStreams(CallLeg& leg, std::vector<NegotiatedAudio> streams);

  conference::Conference& conference_;
  const Clock& clock_;
  SdpNegotiator negotiator_;
  MediaAddressConfig media_;
  SipListeners listeners_;
  int retry_after_s_;
  std::map<nua_handle_t*, std::unique_ptr<CallLeg>> legs_;
  std::map<std::string, conference::LeaveReason> leave_reasons_;  // call-id -> why, until ended
  std::map<nua_handle_t*, PendingInvite> pending_;
  std::uint64_t next_token_ = 0;
  std::uint64_t dial_outs_ = 0;  // numbers our Call-IDs
  InviteOutcomes outcomes_;
  Loop* loop_ = nullptr;
  conference::RoomOwnership* ownership_ = nullptr;  // borrowed; null: a single node
  std::string conference_factory_;
  ReferPolicy refer_policy_;
  std::size_t max_lines_ = 1;
  // REFERs from outside any dialog that were accepted: their handles are ours to destroy
  // once the final NOTIFY is answered.
  std::map<nua_handle_t*, bool> out_of_dialog_refers_;  // -> final NOTIFY sent
};

}  // namespace mcu::sip
