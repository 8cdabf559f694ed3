// A minimal SIP user agent for tests, over UDP on 127.0.0.1: one dialog at a time, INVITE (with
// or without SDP), ACK, re-INVITE, BYE, and answering the server's BYE. Enough to drive the
// real server the way a phone would, with the media done by an RtpPeer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mixer/engine/udp_socket.h"
#include "tests/support/tls_stream.h"

namespace mcu::test {

struct SipReply {
  int status = 0;
  std::string message;  // the whole final response
  std::string body;
};

class SipUac {
 public:
  explicit SipUac(std::uint16_t server_port);
  // A sips: phone: its requests go over TLS to `tls_port` (the certificate checked against
  // `ca_file`) with sips: URIs; the connection's failure is in `error()`.
  SipUac(std::uint16_t tls_port, const std::string& ca_file);
  const std::string& error() const { return error_; }
  // The dialog of the last INVITE: Call-ID, our tag and the server's (for a Replaces header).
  const std::string& callId() const { return call_id_; }
  const std::string& localTag() const { return from_tag_; }
  const std::string& remoteTag() const { return to_tag_; }

  // INVITE sip:<user>@127.0.0.1; returns the final response (ACK sent for 2xx with `ack_sdp`
  // in it, if given).
  SipReply invite(const std::string& user, const std::optional<std::string>& sdp,
                  const std::optional<std::string>& ack_sdp = std::nullopt);
  // INVITE, then after `wait` a CANCEL of it (same branch and CSeq, RFC 3261 §9.1); returns
  // the final status of the CANCEL and of the INVITE (expected: 200 and 487), ACKing the
  // INVITE's in its own transaction.
  std::pair<int, int> inviteThenCancel(const std::string& user, const std::string& sdp,
                                       std::chrono::milliseconds wait);
  // INVITE with a body of another type (multipart, or one the server must refuse).
  SipReply inviteWithBody(const std::string& user, const std::string& content_type,
                          const std::string& body);
  SipReply reinvite(const std::string& sdp);
  // A re-INVITE without an offer (RFC 3725 flows): the server's 200 carries its offer, and our
  // ACK carries `ack_sdp` as the answer.
  SipReply reinviteWithoutOffer(const std::string& ack_sdp);
  SipReply update(const std::string& sdp);
  // false: a 2xx to our INVITE is not ACKed (a caller that vanished, or an attacker).
  void setAckInvites(bool ack) { ack_invites_ = ack; }
  // RFC 3261 §12.1.2, §12.2.1.1: requests in an INVITE's dialog go to the 2xx's Contact along
  // its Record-Route set, as a phone behind a proxy (Kamailio) sends them. Off: to the server
  // as the INVITE was (what the tests that talk to one server directly were written for).
  void setFollowRouteSet(bool follow) { follow_route_set_ = follow; }
  // Extra header lines for the next INVITE (e.g. "Session-Expires: 90\r\n").
  void setExtraHeaders(std::string headers) { extra_headers_ = std::move(headers); }
  // The From of the next dialogs: display name as sent (quotes and all), URI user part, and
  // bytes added to the Call-ID; raw bytes, for callers that send what no phone should.
  void setIdentity(std::string display, std::string user, std::string call_id_suffix) {
    from_display_ = std::move(display);
    from_user_ = std::move(user);
    call_id_suffix_ = std::move(call_id_suffix);
  }
  SipReply bye();
  // INFO in the dialog with a body of `content_type` (e.g. DTMF as application/dtmf-relay).
  SipReply info(const std::string& content_type, const std::string& body);
  // REFER in the dialog (RFC 3515) with `headers` such as "Refer-To: <sip:carol@host>\r\n".
  SipReply refer(const std::string& headers);
  // REFER to sip:<room>@127.0.0.1 outside any dialog; its NOTIFYs then come in the dialog the
  // 202 made.
  SipReply referOutOfDialog(const std::string& room, const std::string& headers);
  // SUBSCRIBE to sip:<room>@127.0.0.1 outside any dialog with `headers` ("Event: conference\r\n
  // Expires: 600\r\n"); the 2xx makes the dialog its NOTIFYs come in.
  SipReply subscribe(const std::string& room, const std::string& headers);
  // SUBSCRIBE again in that dialog (a refresh, or "Expires: 0" to end it).
  SipReply resubscribe(const std::string& headers);
  // Waits for a request with `method` from the server and answers it 200.
  bool awaitRequest(const std::string& method, std::chrono::milliseconds timeout);
  // Waits for a request with `method` and leaves it unanswered (glare tests answer later).
  std::optional<std::string> takeRequest(const std::string& method,
                                         std::chrono::milliseconds timeout);
  // Answers a request taken with takeRequest(), with an SDP body if given.
  void respond(const std::string& request, int status,
               const std::optional<std::string>& sdp = std::nullopt);

 private:
  // The remote target and Route set of a 2xx to our INVITE.
  void takeRouteSet(const std::string& response);
  std::string request(const std::string& method, std::uint32_t cseq,
                      const std::optional<std::string>& sdp, const std::string& branch,
                      const std::string& content_type = "application/sdp") const;
  SipReply transact(const std::string& method, const std::optional<std::string>& sdp,
                    const std::optional<std::string>& ack_sdp,
                    const std::string& content_type = "application/sdp");
  void send(const std::string& text);
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

  std::string scheme() const { return tls_ ? "sips:" : "sip:"; }

  mixer::UdpSocket socket_;
  std::unique_ptr<TlsStream> tls_;
  std::string error_;
  mixer::Endpoint server_;
  std::uint16_t local_port_;
  std::string user_;
  std::string call_id_;
  std::string from_display_ = "\"Test\"";
  std::string from_user_ = "tester";
  std::string call_id_suffix_;
  std::string from_tag_;
  std::string to_tag_;
  bool follow_route_set_ = false;
  std::string remote_target_;           // the 2xx's Contact URI, with follow_route_set_
  std::vector<std::string> route_set_;  // its Record-Route, reversed: the Route to send
  std::uint32_t cseq_ = 1;
  std::string extra_headers_;
  std::string request_headers_;              // for the next REFER or SUBSCRIBE
  std::vector<std::string> early_requests_;  // the server's requests that came mid-transaction
  bool ack_invites_ = true;
};

// "m=audio <port>" of an SDP body, 0 if absent.
std::uint16_t sdpAudioPort(const std::string& sdp);
// An offer for an RtpPeer at `port` with one codec ("opus", "PCMU", "PCMA", "G722").
std::string sdpOffer(std::uint16_t port, const std::string& codec,
                     const std::string& direction = "sendrecv");

}  // namespace mcu::test
