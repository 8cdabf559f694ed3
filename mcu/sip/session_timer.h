// RFC 4028 session timers as we answer them. sofia-sip 1.12.11 (Debian 12) negotiates the
// interval but then asks for its configured 1800 s in its own refreshes, and, when the caller
// refreshes, waits until SE - min(32, SE/10) before its BYE; RFC 4028 §10 says SE - min(32,
// SE/3). So the interval is decided here, handed to nua per dialog, and the BYE is ours.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace mcu::sip {

inline constexpr unsigned kOurSessionExpires = 1800;  // seconds, what we ask for
inline constexpr unsigned kOurMinSe = 90;             // RFC 4028 §4 minimum

// What the caller's INVITE says about session timers.
struct SessionTimerRequest {
  bool supported = false;        // Supported (or Require) lists "timer"
  unsigned session_expires = 0;  // its Session-Expires, 0 when absent
  unsigned min_se = 0;           // its Min-SE, 0 when absent
  bool refresher_uas = false;    // Session-Expires ;refresher=uas: it wants us to refresh
};

struct SessionTimerAnswer {
  unsigned interval = kOurSessionExpires;  // the negotiated Session-Expires (RFC 4028 §9)
  bool we_refresh = true;      // else the caller refreshes and we end the session if it does not
  bool require_timer = false;  // put Require: timer in the 2xx (§9: the caller supports it)
};

// RFC 4028 §9: the UAS may lower the caller's interval but not below either Min-SE; a caller
// without support gets the UAS as refresher.
inline SessionTimerAnswer answerSessionTimer(const SessionTimerRequest& r) {
  SessionTimerAnswer a;
  const unsigned floor = std::max(kOurMinSe, r.min_se);
  a.interval =
      r.session_expires != 0 ? std::min(r.session_expires, kOurSessionExpires) : kOurSessionExpires;
  a.interval = std::max(a.interval, floor);
  a.we_refresh = !r.supported || r.refresher_uas;
  a.require_timer = r.supported;
  return a;
}

// RFC 4028 §10: the refresher refreshes when half the interval has gone. nua's own timer draws
// the moment from a quarter to three quarters of it (23..68 s of 90), later than a caller that
// keeps §10 waits (60 s of 90): our refresh goes at the half, and nua's only if it draws earlier.
inline std::chrono::seconds refreshAfter(unsigned interval) {
  return std::chrono::seconds(interval / 2);
}

// RFC 4028 §10: without a refresh, the side that does not refresh ends the session at
// SE - min(32, SE/3) after the last one.
inline std::chrono::seconds expiryWithoutRefresh(unsigned interval) {
  return std::chrono::seconds(interval - std::min(32U, interval / 3));
}

}  // namespace mcu::sip
