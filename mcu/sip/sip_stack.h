// The SIP front end: sofia-sip's nua on the control thread, listening on UDP and TCP (and TLS
// when configured). In this first version it answers OPTIONS itself and refuses calls; the
// call legs of the dial-in issue plug in here. Only mcu/sip includes sofia-sip headers.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mcu/common/clock.h"
#include "mcu/common/host_port.h"
#include "mcu/common/result.h"
#include "mcu/conference/dialer.h"
#include "mcu/conference/leave_reason.h"
#include "mcu/conference/room_ownership.h"
#include "mcu/sip/control_loop.h"
#include "mcu/sip/media_address.h"
#include "mixer/engine/media_types.h"

namespace mcu::sip {

class CallHandler;
class ConferenceNotifier;
}  // namespace mcu::sip

namespace mcu::conference {
class Conference;
}  // namespace mcu::conference

namespace mcu::sip {

struct SipStackConfig {
  HostPort listen;
  std::optional<HostPort> tls_listen;
  std::string tls_cert_dir;
  int retry_after_s = 30;
  std::string outbound_proxy;  // our own requests (dial-out) go through it; empty: direct
  int tcp_idle_s = 120;        // idle TCP/TLS connections are closed after this
  std::string conference_factory = "conference-factory";  // empty: no factory URI
  std::string dialout_allow{};                            // where REST dial-out and REFER may call
  std::vector<std::string> refer_sources{};               // who may REFER outside a dialog
  std::size_t max_pending_refers = 32;
  // New-work requests (INVITE, OPTIONS, REFER outside a dialog) per source address a second;
  // more get 503 + Retry-After. Bursts of twice this are taken. 0: no limit.
  double requests_per_source_per_s = 100;
  // A TCP/TLS connection that has sent nothing this long is closed; at most this many from
  // one address (TcpWatchdog: sofia keeps silent connections for good and caps none).
  int tcp_silent_s = 30;
  std::size_t tcp_max_per_source = 256;
  // RFC 4575 subscriptions: at most this many to one room, and from one source address.
  std::size_t max_subscriptions_per_room = 200;
  std::size_t max_subscriptions_per_source = 50;
  // Audio lines of one dialog taken as callers (RFC 3264 §8.1, trunks); more get port 0.
  std::size_t max_lines_per_dialog = 4;
};

// What we put in Allow, Accept and Supported: only what the server really handles.
// PRACK: we never send a reliable provisional (the 200 comes at once), but a caller that
// requires 100rel (RFC 3262) must not get 420.
inline constexpr const char* kAllowedMethods =
    "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK, REFER, SUBSCRIBE, NOTIFY";
// RFC 4575: a room's state to subscribers (the only event package we serve; others get 489).
inline constexpr const char* kAllowedEvents = "conference";
// How often the calls' own deadlines are checked: the look-up deadline (1.5 s) is the tightest.
inline constexpr std::chrono::milliseconds kDeadlineCheck{100};

inline constexpr const char* kAcceptedBodies = "application/sdp";
// RFC 4028 session timers: nua runs the refreshes itself. RFC 3262 reliable provisionals.
// RFC 4488: a REFER may ask for no implicit subscription. RFC 3891: INVITE with Replaces.
inline constexpr const char* kSupportedExtensions = "timer, 100rel, norefersub, replaces";

// Privately the conference's Dialer: the calls REST and REFER ask for are placed here.
class SipStack : private conference::Dialer {
 public:
  // `clock` dates the calls' deadlines (room look-up, Timer H, RFC 4028 expiry), checked every
  // kDeadlineCheck on the control loop; sofia's own timers (retransmissions, our refreshes)
  // keep real time.
  explicit SipStack(SipStackConfig config, const Clock& clock = steadyClock());
  SipStack(const SipStack&) = delete;
  SipStack& operator=(const SipStack&) = delete;
  ~SipStack() override;

  // Starts the control thread and binds the transports; returns the problem on failure.
  Result<void> start();
  Loop& controlLoop() { return loop_; }
  bool transportsBound() const { return bound_.load(); }
  // Before start(): take calls into the conference (from then on used on the control thread
  // only). Without it, INVITE gets 480.
  void enableCalls(conference::Conference& conference,
                   std::vector<mixer::codec::CodecKind> codec_preference, MediaAddressConfig media,
                   SrtpPolicy srtp = {});
  // Before enableCalls(), in a cluster: callers join only rooms this node owns (others are
  // redirected), and OPTIONS says 503 while it takes no new calls. Borrowed; control loop.
  void setRoomOwnership(conference::RoomOwnership* ownership) { ownership_ = ownership; }
  // Any thread: from now on new INVITEs get 503 with Retry-After, and live calls get a BYE.
  void beginDrain();
  // Any thread: RFC 4575 subscriptions, and the NOTIFYs sent for them, as of the last event.
  std::size_t subscriptions() const { return subscriptions_.load(); }
  std::uint64_t conferenceNotifies() const { return conference_notifies_.load(); }
  // Any thread: calls in progress, as of the last SIP event.
  std::size_t activeCalls() const { return active_calls_.load(); }
  // Any thread: requests refused by the per-source limit so far.
  std::uint64_t limitedRequests() const { return limited_requests_.load(); }
  // New INVITEs answered with a final status of class `hundreds` (2 to 6), since start.
  std::uint64_t inviteOutcomes(int hundreds) const;
  // Any thread: accepted TCP/TLS connections at the last sweep, and how many were closed.
  std::size_t tcpConnections() const { return tcp_open_.load(); }
  std::uint64_t tcpClosedSilent() const { return tcp_closed_silent_.load(); }
  std::uint64_t tcpClosedOverCap() const { return tcp_closed_over_cap_.load(); }
  // One thread, not the control thread (the server's main loop, every 2 s): silent and
  // surplus TCP/TLS connections go. The sweep walks every descriptor of the process (RTP
  // sockets too, about 1 ms per thousand), so it stays off the thread that runs SIP;
  // shutdown(2) is safe from any thread and sofia sees the end on its own.
  void sweepTcp();
  // Any thread: ends one participant's call with BYE (the conference's end_call: a kick, a
  // PIN or RTP timeout, a deleted room).
  void endCall(mixer::ParticipantId participant, conference::LeaveReason reason);
  // Any thread: shuts nua down (ending its transactions) and joins the control thread.
  void stop();

  struct Nua;  // sofia-side state, defined in sip_stack.cpp

 private:
  std::optional<conference::Admission> refusal() const override;
  std::string newCallId() override;
  void place(const conference::OutgoingCall& call) override;

  SipStackConfig config_;
  const Clock& clock_;
  ControlLoop loop_;
  std::unique_ptr<Nua> nua_;
  std::atomic<bool> bound_{false};
  std::atomic<bool> draining_{false};
  std::unique_ptr<CallHandler> calls_;
  conference::RoomOwnership* ownership_ = nullptr;
  std::unique_ptr<ConferenceNotifier> notifier_;
  conference::Conference* watched_ = nullptr;  // its watcher calls notifier_: unset at stop()
  std::atomic<std::size_t> active_calls_{0};
  std::atomic<std::size_t> subscriptions_{0};
  std::atomic<std::uint64_t> conference_notifies_{0};
  std::atomic<std::uint64_t> limited_requests_{0};
  std::atomic<std::size_t> tcp_open_{0};
  std::atomic<std::uint64_t> tcp_closed_silent_{0};
  std::atomic<std::uint64_t> tcp_closed_over_cap_{0};
};

}  // namespace mcu::sip
