#include "mcu/sip/sip_stack.h"

#include <netdb.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport_tag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "mcu/common/log.h"
#include "mcu/common/request_limiter.h"
#include "mcu/sip/call_handler.h"
#include "mcu/sip/conference_notifier.h"
#include "mcu/sip/session_timer.h"
#include "mcu/sip/sip_fields.h"
#include "mcu/sip/sofia_log.h"
#include "mcu/sip/tcp_watchdog.h"
#include "mcu/sip/token_methods.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";
// No version: it tells a scanner which bugs to try (issue 11).
constexpr const char* kUserAgent = "mcu";

// Tries the address for UDP and TCP before nua_create(): it gives the operator the errno
// ("Address already in use"), and sofia's nua_create() failure path leaks its root's port.
Result<void> checkBindable(const HostPort& address) {
  for (const int type : {SOCK_DGRAM, SOCK_STREAM}) {
    addrinfo hints{};
    hints.ai_socktype = type;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    if (const int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return Error{address.toString() + ": " + gai_strerror(rc)};
    }
    const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0;
    const int err = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    freeaddrinfo(found);
    if (!ok) {
      return Error{(type == SOCK_DGRAM ? "udp " : "tcp ") + address.toString() + ": " +
                   std::error_code(err, std::generic_category()).message()};
    }
  }
  return {};
}

}  // namespace

struct SipStack::Nua {
  SipStack* owner = nullptr;
  su_root_t* root = nullptr;
  nua_t* nua = nullptr;
  bool shutting_down = false;
  std::unique_ptr<RequestLimiter> limiter;

  // A request that starts new work from a source over its rate: 503 (true), or go on.
  bool refusedAsFlood(nua_event_t event, nua_handle_t* nh, const sip_t* sip);
  void onEvent(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
               const sip_t* sip, tagi_t* tags);
  void onCallEvent(nua_event_t event, int status, nua_handle_t* nh, const sip_t* sip, tagi_t* tags);
  void answerOptions(nua_handle_t* nh, const sip_t* sip);
  void answerInvite(nua_handle_t* nh, const sip_t* sip);
};

namespace {

// The ports of our TCP and TLS listeners.
std::vector<std::uint16_t> tcpPorts(const SipStackConfig& config) {
  std::vector<std::uint16_t> ports{config.listen.port};
  if (config.tls_listen) {
    ports.push_back(config.tls_listen->port);
  }
  return ports;
}

// Connections a listener holds before accept; the kernel caps it at net.core.somaxconn.
constexpr int kListenBacklog = 1024;

void nuaCallback(nua_event_t event, int status, const char* phrase, nua_t* /*nua*/,
                 nua_magic_t* magic, nua_handle_t* nh, nua_hmagic_t* /*hmagic*/, const sip_t* sip,
                 tagi_t* tags) {
  static_cast<SipStack::Nua*>(magic)->onEvent(event, status, phrase, nh, sip, tags);
}

}  // namespace

void SipStack::Nua::onCallEvent(nua_event_t event, int status, nua_handle_t* nh, const sip_t* sip,
                                tagi_t* tags) {
  CallHandler& calls = *owner->calls_;
  CallLeg* leg = calls.leg(nh);
  switch (event) {
    case nua_i_invite:
      if (leg != nullptr) {
        calls.onReinvite(*leg, sip);
      } else {
        calls.onInvite(nua, nh, sip, owner->draining_.load());
      }
      break;
    case nua_i_ack:
      if (leg != nullptr) {
        calls.onAck(*leg, sip);
      }
      break;
    case nua_i_update:
      // RFC 3311: same offer/answer as a re-INVITE, in one transaction.
      if (leg != nullptr) {
        calls.onReinvite(*leg, sip, nua);
      } else {
        nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_CURRENT(nua), TAG_END());
      }
      break;
    case nua_i_bye:
      calls.noteReason(nh, {conference::LeaveCause::kBye});
      break;
    case nua_i_info:
      if (leg != nullptr) {
        calls.onInfo(*leg, sip, nua);
      } else {
        nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_CURRENT(nua), TAG_END());
      }
      break;
    case nua_i_refer: {
      // nua made the implicit subscription's Event ("refer", or "refer;id=CSeq").
      const sip_event_t* refer_event = nullptr;
      tl_gets(tags, NUTAG_REFER_EVENT_REF(refer_event), TAG_END());
      std::string subscription = "refer";
      if (refer_event != nullptr && refer_event->o_id != nullptr) {
        subscription += std::string(";id=") + refer_event->o_id;
      }
      calls.onRefer(nua, nh, leg, sip, subscription, owner->draining_.load());
      break;
    }
    case nua_i_subscribe:
      owner->notifier_->onSubscribe(nua, nh, status, sip, leg != nullptr, owner->draining_.load());
      break;
    case nua_r_notify:
      if (owner->notifier_->owns(nh)) {
        int substate = nua_substate_active;
        tl_gets(tags, NUTAG_SUBSTATE_REF(substate), TAG_END());
        owner->notifier_->onNotifyAnswered(nh, status, substate == nua_substate_terminated);
      } else {
        calls.onNotifyAnswered(nh, status);
      }
      break;
    case nua_r_invite:
      if (leg != nullptr) {
        calls.onInviteResponse(*leg, status, sip);
      }
      break;
    case nua_r_update:
      if (leg != nullptr && status >= 200) {
        calls.onOwnUpdateAnswered(*leg);
      }
      break;
    case nua_i_cancel:
      calls.noteReason(nh, {conference::LeaveCause::kCancel});
      break;
    case nua_i_error:
      // nua reports a 200 never ACKed as 408 before it sends its own BYE.
      if (status == 408) {
        calls.noteReason(nh, {conference::LeaveCause::kAckTimeout});
      }
      break;
    case nua_r_bye:
      // A BYE we sent for a reason of ours has that reason noted already (the first note
      // wins); one nua sent on its own is RFC 4028's: the caller, the refresher, let the
      // session expire.
      calls.noteReason(nh, {conference::LeaveCause::kSessionExpired});
      break;
    case nua_i_state: {
      int state = nua_callstate_init;
      tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
      if (state == nua_callstate_terminated) {
        calls.onTerminated(nh, {conference::LeaveCause::kEnded});
      } else if (state == nua_callstate_calling && leg != nullptr) {
        calls.onOwnInviteSent(*leg);
      }
      break;
    }
    default:
      break;
  }
  owner->active_calls_ = calls.activeCalls();
  owner->subscriptions_ = owner->notifier_->subscriptions();
  owner->conference_notifies_ = owner->notifier_->notifiesSent();
}

bool SipStack::Nua::refusedAsFlood(nua_event_t event, nua_handle_t* nh, const sip_t* sip) {
  const bool new_work = event == nua_i_options || event == nua_i_invite || event == nua_i_refer ||
                        event == nua_i_subscribe;
  // Requests in a dialog (re-INVITE, in-dialog REFER) belong to calls already admitted.
  if (!new_work || limiter == nullptr || sip == nullptr ||
      (sip->sip_to != nullptr && sip->sip_to->a_tag != nullptr)) {
    return false;
  }
  const std::string source = sourceOf(sip);
  if (limiter->allow(source, owner->clock_.now())) {
    return false;
  }
  const std::uint64_t refused = ++owner->limited_requests_;
  const std::string retry = std::to_string(owner->config_.retry_after_s);
  nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua),
              SIPTAG_RETRY_AFTER_STR(retry.c_str()), TAG_END());
  if (event == nua_i_invite && owner->calls_ != nullptr) {
    owner->calls_->inviteOutcomes().count(503);
  }
  // An INVITE's handle goes when nua reports its end; the others' now.
  if (event != nua_i_invite) {
    nua_handle_destroy(nh);
  }
  if (refused % 1000 == 1) {  // a flood would otherwise write a line per request
    log::warn(kComponent, "sip_source_limited").kv("source", source).kv("refused_total", refused);
  }
  return true;
}

void SipStack::Nua::onEvent(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                            const sip_t* sip, tagi_t* tags) {
  if (refusedAsFlood(event, nh, sip)) {
    return;
  }
  switch (event) {
    case nua_i_options:
      answerOptions(nh, sip);
      return;
    case nua_i_invite:
    case nua_i_ack:
    case nua_i_update:
    case nua_i_bye:
    case nua_i_info:
    case nua_i_refer:
    case nua_i_subscribe:
    case nua_r_notify:
    case nua_i_cancel:
    case nua_i_state:
    case nua_i_error:
    case nua_r_bye:
    case nua_r_invite:
    case nua_r_update:
      if (owner->calls_ != nullptr) {
        onCallEvent(event, status, nh, sip, tags);
      } else if (event == nua_i_invite) {
        answerInvite(nh, sip);
      } else if (event == nua_i_info || event == nua_i_refer || event == nua_i_subscribe) {
        nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_CURRENT(nua), TAG_END());
      } else if (event == nua_i_state) {
        int state = nua_callstate_init;
        tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
        if (state == nua_callstate_terminated) {
          nua_handle_destroy(nh);
        }
      }
      return;
    case nua_r_shutdown:
      // 1xx while transactions end; the final status means nua is done with its sockets.
      if (status >= 200) {
        log::info(kComponent, "sip_stopped").kv("status", status);
        // nua_destroy() may not run inside a nua callback: do it from a posted task.
        owner->controlLoop().post([this] {
          nua_destroy(nua);
          nua = nullptr;
          owner->loop_.quit();
        });
      }
      return;
    default:
      log::debug(kComponent, "nua_event")
          .kv("event", nua_event_name(event))
          .kv("status", status)
          .kv("phrase", phrase != nullptr ? phrase : "")
          .kv("call_id", callIdOf(sip));
      return;
  }
}

void SipStack::Nua::answerOptions(nua_handle_t* nh, const sip_t* sip) {
  // In a cluster the proxy probes with OPTIONS: a node that is draining or has lost its lease
  // says 503, and gets no new calls until it says 200 again.
  if (owner->ownership_ != nullptr && !owner->ownership_->takingCalls()) {
    const std::string retry = std::to_string(owner->config_.retry_after_s);
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua),
                SIPTAG_RETRY_AFTER_STR(retry.c_str()), TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  // nua adds Allow, Supported and Accept (application/sdp) from its own parameters, set in
  // start(); adding them here again would duplicate the values.
  nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
  log::debug(kComponent, "options_answered").kv("call_id", callIdOf(sip));
  nua_handle_destroy(nh);
}

void SipStack::Nua::answerInvite(nua_handle_t* nh, const sip_t* sip) {
  if (owner->draining_.load()) {
    const std::string retry = std::to_string(owner->config_.retry_after_s);
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR(retry.c_str()), TAG_END());
    log::info(kComponent, "invite_refused").kv("reason", "draining").kv("call_id", callIdOf(sip));
    return;
  }
  // Rooms arrive with the dial-in issue; until then say so rather than ring forever.
  nua_respond(nh, SIP_480_TEMPORARILY_UNAVAILABLE,
              SIPTAG_WARNING_STR("399 mcu \"conference rooms are not enabled in this build\""),
              TAG_END());
  log::info(kComponent, "invite_refused").kv("reason", "no_rooms").kv("call_id", callIdOf(sip));
}

SipStack::SipStack(SipStackConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), nua_(std::make_unique<Nua>()) {
  nua_->owner = this;
  if (config_.requests_per_source_per_s > 0) {
    nua_->limiter = std::make_unique<RequestLimiter>(config_.requests_per_source_per_s,
                                                     2 * config_.requests_per_source_per_s);
  }
}

SipStack::~SipStack() {
  stop();
  if (watched_ != nullptr) {  // also when start() failed and stop() had nothing to stop
    watched_->setWatcher(nullptr);
    watched_->setDialer(nullptr);
  }
}

Result<void> SipStack::start() {
  routeSofiaLogsToStructuredLog();
  for (const auto& address : {std::optional(config_.listen), config_.tls_listen}) {
    if (address) {
      if (auto bindable = checkBindable(*address); !bindable) {
        return Error{"cannot listen on " + bindable.error()};
      }
    }
  }
  const std::string url = "sip:" + config_.listen.toString();
  const std::string sips_url =
      config_.tls_listen ? "sips:" + config_.tls_listen->toString() : std::string();
  auto started = loop_.start([this, &url, &sips_url](su_root_s* root) -> Result<void> {
    nua_->root = root;
    errno = 0;
    nua_->nua = nua_create(
        root, nuaCallback, nua_.get(), NUTAG_URL(url.c_str()),
        TAG_IF(!sips_url.empty(), NUTAG_SIPS_URL(sips_url.c_str())),
        TAG_IF(!sips_url.empty(), NUTAG_CERTIFICATE_DIR(config_.tls_cert_dir.c_str())),
        // SDP has one owner, our code (STACK.md: with soa on, nua answers re-INVITEs itself).
        // RFC 4028: we accept and refresh session timers; a call whose timer runs out ends.
        NUTAG_SESSION_TIMER(kOurSessionExpires), NUTAG_MIN_SE(kOurMinSe),
        // Idle connections go (5,000 idle TCP connections were held for good before).
        TPTAG_IDLE(static_cast<unsigned>(config_.tcp_idle_s) * 1000U),
        TAG_IF(!config_.outbound_proxy.empty(), NUTAG_PROXY(config_.outbound_proxy.c_str())),
        // SIPTAG_ALLOW/SUPPORTED replace nua's defaults (NUTAG_ALLOW would only add to them,
        // advertising PRACK, REFER, 100rel... that we do not handle yet).
        NUTAG_MEDIA_ENABLE(0), NUTAG_APPL_METHOD("OPTIONS, UPDATE, INFO, REFER"),
        // RFC 4575 subscriptions: at most an hour, refreshed by the subscriber. SUBSCRIBE
        // is one of nua's own application methods already; naming it again crashed sofia
        // 1.12's merge of the two lists (ASan: SEGV in msg_params_join).
        SIPTAG_ALLOW_EVENTS_STR(kAllowedEvents), NUTAG_SUB_EXPIRES(3600),
        SIPTAG_ALLOW_STR(kAllowedMethods), SIPTAG_SUPPORTED_STR(kSupportedExtensions),
        SIPTAG_ACCEPT_STR(kAcceptedBodies), SIPTAG_USER_AGENT_STR(kUserAgent),
        // Methods are tokens (RFC 3261): sofia's own parser drops some legal ones.
        NTATAG_MCLASS(tokenMethodMessageClass()), TAG_END());
    if (nua_->nua == nullptr) {
      return Error{"cannot listen on " + url + (sips_url.empty() ? "" : " / " + sips_url) + ": " +
                   (errno != 0 ? std::error_code(errno, std::generic_category()).message()
                               : "nua_create failed")};
    }
    return {};
  });
  if (!started) {
    return started;
  }
  bound_ = true;
  // INVITEs waiting too long for their room, unacknowledged answers (Timer H) and sessions
  // their caller stopped refreshing are decided here.
  loop_.runEvery(kDeadlineCheck, [this] {
    if (calls_ != nullptr) {
      calls_->expirePending(clock_.now());
      active_calls_ = calls_->activeCalls();
    }
  });
  const std::size_t deepened = deepenListenBacklog(tcpPorts(config_), kListenBacklog);
  log::info(kComponent, "sip_listening")
      .kv("udp", config_.listen.toString())
      .kv("tcp", config_.listen.toString())
      .kv("tls", config_.tls_listen ? config_.tls_listen->toString() : "off")
      .kv("tcp_backlog", static_cast<std::int64_t>(deepened > 0 ? kListenBacklog : 0));
  return {};
}

void SipStack::beginDrain() {
  draining_ = true;
  log::info(kComponent, "sip_draining").kv("retry_after_s", config_.retry_after_s);
  loop_.post([this] {
    if (calls_ != nullptr) {
      calls_->byeAll({conference::LeaveCause::kShutdown});
    }
  });
}

void SipStack::enableCalls(conference::Conference& conference,
                           std::vector<mixer::codec::CodecKind> codec_preference,
                           MediaAddressConfig media, SrtpPolicy srtp) {
  const MediaFamilies families = media.families();
  calls_ = std::make_unique<CallHandler>(
      conference, SdpNegotiator(std::move(codec_preference), families, srtp), std::move(media),
      SipListeners{config_.listen, config_.tls_listen}, config_.retry_after_s, clock_);
  calls_->setLoop(&loop_);
  calls_->setRoomOwnership(ownership_);
  calls_->setConferenceFactory(config_.conference_factory);
  calls_->setMaxLinesPerDialog(config_.max_lines_per_dialog);
  calls_->setReferPolicy(
      {config_.dialout_allow, config_.refer_sources, config_.max_pending_refers});
  notifier_ = std::make_unique<ConferenceNotifier>(
      conference,
      NotifierPolicy{config_.max_subscriptions_per_room, config_.max_subscriptions_per_source},
      SipListeners{config_.listen, config_.tls_listen}, config_.retry_after_s);
  notifier_->setLoop(&loop_);
  watched_ = &conference;
  conference.setWatcher(
      [this](const std::string& type, const std::string& room, mixer::ParticipantId id) {
        notifier_->onRoomEvent(type, room, id);
      });
  conference.setDialer(this);
}

// The Dialer, on the control thread (the conference calls it from a posted task).
std::optional<conference::Admission> SipStack::refusal() const {
  if (draining_.load()) {
    return conference::Admission{503, "the server is shutting down"};
  }
  return std::nullopt;
}

std::string SipStack::newCallId() { return calls_->newDialOutCallId(); }

std::uint64_t SipStack::inviteOutcomes(int hundreds) const {
  return calls_ != nullptr ? calls_->inviteOutcomes().ofClass(hundreds) : 0;
}

void SipStack::place(const conference::OutgoingCall& call) {
  const std::string host =
      isWildcardHost(config_.listen.host) ? localAddressToward("127.0.0.1") : config_.listen.host;
  const std::string from =
      "<sip:" + call.room + "@" + HostPort{host, config_.listen.port}.toString() + ">";
  calls_->placeCall(nua_->nua, call, from);
}

void SipStack::sweepTcp() {
  const TcpSweep swept = TcpWatchdog(tcpPorts(config_), std::chrono::seconds(config_.tcp_silent_s),
                                     config_.tcp_max_per_source)
                             .sweep();
  tcp_open_ = swept.open - swept.closed_silent - swept.closed_over_cap;
  tcp_closed_silent_ += swept.closed_silent;
  tcp_closed_over_cap_ += swept.closed_over_cap;
  if (swept.closed_silent + swept.closed_over_cap > 0) {
    log::info(kComponent, "tcp_connections_closed")
        .kv("silent", static_cast<std::int64_t>(swept.closed_silent))
        .kv("over_source_cap", static_cast<std::int64_t>(swept.closed_over_cap))
        .kv("open", static_cast<std::int64_t>(tcp_open_.load()));
  }
}

void SipStack::endCall(mixer::ParticipantId participant, conference::LeaveReason reason) {
  loop_.post([this, participant, reason] {
    if (calls_ != nullptr) {
      calls_->bye(participant, reason);
    }
  });
}

void SipStack::stop() {
  if (!bound_.exchange(false)) {
    return;
  }
  loop_.post([this] {
    // Calls whose BYE went unanswered (the caller gone, or deaf to us) would hold nua's
    // shutdown for their BYE's 32 s of retransmissions: their participants already left and
    // their records are written, so they are forgotten here.
    if (calls_ != nullptr) {
      if (const std::size_t abandoned = calls_->abandonUnanswered(); abandoned > 0) {
        log::warn(kComponent, "byes_unanswered").kv("calls", static_cast<std::uint64_t>(abandoned));
      }
    }
    nua_->shutting_down = true;
    nua_shutdown(nua_->nua);
  });
  loop_.join();
  // The conference outlives us (it is made first): nothing it does later may reach the
  // notifier. The control thread is gone, so this cannot race its calls.
  if (watched_ != nullptr) {
    watched_->setWatcher(nullptr);
    watched_->setDialer(nullptr);
  }
}

}  // namespace mcu::sip
