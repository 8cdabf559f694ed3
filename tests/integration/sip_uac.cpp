#include "tests/integration/sip_uac.h"

#include <array>
#include <atomic>
#include <random>
#include <sstream>
#include <thread>

#include "tests/integration/server_fixture.h"

namespace mcu::test {
namespace {

std::string randomToken() {
  static std::mt19937 rng{std::random_device{}()};
  return std::to_string(rng());
}

std::string tagOf(const std::string& header) {
  const auto pos = header.find("tag=");
  if (pos == std::string::npos) {
    return "";
  }
  const auto end = header.find_first_of(";>\r\n", pos + 4);
  return header.substr(pos + 4, end - pos - 4);
}

std::string bodyOf(const std::string& message) {
  const auto pos = message.find("\r\n\r\n");
  return pos == std::string::npos ? "" : message.substr(pos + 4);
}

int statusOf(const std::string& message) {
  return message.rfind("SIP/2.0 ", 0) == 0 ? std::stoi(message.substr(8, 3)) : 0;
}

}  // namespace

SipUac::SipUac(std::uint16_t server_port)
    : socket_(mixer::UdpSocket::bind("127.0.0.1", 0)),
      server_(*mixer::resolve({"127.0.0.1", server_port})),
      local_port_(socket_.localPort()) {}

SipUac::SipUac(std::uint16_t tls_port, const std::string& ca_file)
    : tls_(TlsStream::connect(tls_port, ca_file, error_)),
      local_port_(tls_ ? tls_->localPort() : 0) {}

void SipUac::send(const std::string& text) {
  if (tls_) {
    tls_->write(text);
    return;
  }
  socket_.send(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), server_);
}

std::optional<std::string> SipUac::receive(std::chrono::milliseconds timeout) {
  if (tls_) {
    return tls_->readMessage(timeout);
  }
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::array<std::uint8_t, 65536> buffer{};
  mixer::Endpoint from;
  while (std::chrono::steady_clock::now() < until) {
    const ssize_t n = socket_.receive(buffer, from);
    if (n > 0) {
      return std::string(reinterpret_cast<const char*>(buffer.data()), static_cast<std::size_t>(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

std::string SipUac::request(const std::string& method, std::uint32_t cseq,
                            const std::optional<std::string>& sdp, const std::string& branch,
                            const std::string& content_type) const {
  std::ostringstream r;
  // "room;pin=1234": the parameters belong after the host (sip:room@host;pin=1234).
  const auto semi = user_.find(';');
  const std::string user = user_.substr(0, semi);
  const std::string params = semi == std::string::npos ? "" : user_.substr(semi);
  if (follow_route_set_ && !to_tag_.empty() && !remote_target_.empty()) {
    r << method << " " << remote_target_ << " SIP/2.0\r\n";
    for (const std::string& route : route_set_) {
      r << "Route: " << route << "\r\n";
    }
  } else {
    r << method << " " << scheme() << user << "@127.0.0.1" << params << " SIP/2.0\r\n";
  }
  r << "Via: SIP/2.0/" << (tls_ ? "TLS" : "UDP") << " 127.0.0.1:" << local_port_
    << ";rport;branch=z9hG4bK" << branch << "\r\n"
    << "Max-Forwards: 70\r\n"
    << "From: " << from_display_ << " <" << scheme() << from_user_
    << "@127.0.0.1>;tag=" << from_tag_ << "\r\n"
    << "To: <" << scheme() << user << "@127.0.0.1>" << (to_tag_.empty() ? "" : ";tag=" + to_tag_)
    << "\r\n"
    << "Call-ID: " << call_id_ << "\r\n"
    << "CSeq: " << cseq << " " << method << "\r\n"
    << "Contact: <" << scheme() << "tester@127.0.0.1:" << local_port_ << ">\r\n"
    << (method == "INVITE" ? extra_headers_ : "")
    << (method == "REFER" || method == "SUBSCRIBE" ? request_headers_ : "");
  if (sdp) {
    r << "Content-Type: " << content_type << "\r\nContent-Length: " << sdp->size() << "\r\n\r\n"
      << *sdp;
  } else {
    r << "Content-Length: 0\r\n\r\n";
  }
  return r.str();
}

SipReply SipUac::transact(const std::string& method, const std::optional<std::string>& sdp,
                          const std::optional<std::string>& ack_sdp,
                          const std::string& content_type) {
  const std::uint32_t cseq = cseq_++;
  const std::string branch = randomToken();
  send(request(method, cseq, sdp, branch, content_type));
  SipReply reply;
  for (;;) {
    const auto message = receive(std::chrono::seconds(5));
    if (!message) {
      return reply;  // status 0: no final answer
    }
    if (message->rfind("SIP/2.0 ", 0) != 0) {
      early_requests_.push_back(*message);  // e.g. a NOTIFY that overtook a REFER's 202
      continue;
    }
    const int status = statusOf(*message);
    if (status < 200) {
      continue;
    }
    reply = {status, *message, bodyOf(*message)};
    if ((method == "REFER" || method == "SUBSCRIBE") && to_tag_.empty() && status < 300) {
      to_tag_ = tagOf(headerValue(*message, "To"));  // the dialog a REFER or SUBSCRIBE makes
    }
    if (method == "INVITE") {
      if (to_tag_.empty()) {
        to_tag_ = tagOf(headerValue(*message, "To"));
      }
      if (follow_route_set_ && status < 300) {
        takeRouteSet(*message);
      }
      // ACK: for a 2xx in its own transaction, for an error in the INVITE's (same branch).
      if (status >= 300 || ack_invites_) {
        send(request("ACK", cseq, status < 300 ? ack_sdp : std::nullopt,
                     status < 300 ? randomToken() : branch));
      }
    }
    return reply;
  }
}

void SipUac::takeRouteSet(const std::string& response) {
  const std::string contact = headerValue(response, "Contact");
  const auto open = contact.find('<');
  const auto close = contact.find('>', open);
  if (open != std::string::npos && close != std::string::npos) {
    remote_target_ = contact.substr(open + 1, close - open - 1);
  }
  route_set_.clear();
  std::istringstream lines(response);
  std::string line;
  while (std::getline(lines, line) && line != "\r" && !line.empty()) {
    if (line.rfind("Record-Route:", 0) != 0) {
      continue;
    }
    std::istringstream values(line.substr(line.find(':') + 1));
    std::string value;
    while (std::getline(values, value, ',')) {
      const auto first = value.find_first_not_of(" \t");
      const auto last = value.find_last_not_of(" \t\r");
      route_set_.insert(route_set_.begin(), value.substr(first, last - first + 1));
    }
  }
}

SipReply SipUac::invite(const std::string& user, const std::optional<std::string>& sdp,
                        const std::optional<std::string>& ack_sdp) {
  remote_target_.clear();
  route_set_.clear();
  user_ = user;
  call_id_ = "uac-" + randomToken() + call_id_suffix_ + "@127.0.0.1";
  from_tag_ = randomToken();
  to_tag_.clear();
  return transact("INVITE", sdp, ack_sdp);
}

std::pair<int, int> SipUac::inviteThenCancel(const std::string& user, const std::string& sdp,
                                             std::chrono::milliseconds wait) {
  user_ = user;
  call_id_ = "uac-" + randomToken() + call_id_suffix_ + "@127.0.0.1";
  from_tag_ = randomToken();
  to_tag_.clear();
  const std::uint32_t cseq = cseq_++;
  const std::string branch = randomToken();
  send(request("INVITE", cseq, sdp, branch));
  int cancel_status = 0;
  int invite_status = 0;
  const auto cancel_at = std::chrono::steady_clock::now() + wait;
  bool cancelled = false;
  const auto until = std::chrono::steady_clock::now() + wait + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until && (cancel_status == 0 || invite_status == 0)) {
    if (!cancelled && std::chrono::steady_clock::now() >= cancel_at) {
      cancelled = true;
      send(request("CANCEL", cseq, std::nullopt, branch));
    }
    const auto message = receive(std::chrono::milliseconds(20));
    if (!message || message->rfind("SIP/2.0 ", 0) != 0) {
      continue;
    }
    const int status = statusOf(*message);
    if (status < 200) {
      continue;
    }
    if (headerValue(*message, "CSeq").find("CANCEL") != std::string::npos) {
      cancel_status = status;
      continue;
    }
    invite_status = status;
    to_tag_ = tagOf(headerValue(*message, "To"));
    // The ACK of a non-2xx final response belongs to the INVITE's transaction (same branch).
    send(request("ACK", cseq, std::nullopt, status < 300 ? randomToken() : branch));
  }
  return {cancel_status, invite_status};
}

SipReply SipUac::inviteWithBody(const std::string& user, const std::string& content_type,
                                const std::string& body) {
  user_ = user;
  call_id_ = "uac-" + randomToken() + call_id_suffix_ + "@127.0.0.1";
  from_tag_ = randomToken();
  to_tag_.clear();
  return transact("INVITE", body, std::nullopt, content_type);
}

SipReply SipUac::reinvite(const std::string& sdp) { return transact("INVITE", sdp, std::nullopt); }

SipReply SipUac::reinviteWithoutOffer(const std::string& ack_sdp) {
  return transact("INVITE", std::nullopt, ack_sdp);
}

SipReply SipUac::update(const std::string& sdp) { return transact("UPDATE", sdp, std::nullopt); }

SipReply SipUac::bye() { return transact("BYE", std::nullopt, std::nullopt); }

SipReply SipUac::refer(const std::string& headers) {
  request_headers_ = headers;
  return transact("REFER", std::nullopt, std::nullopt);
}

SipReply SipUac::referOutOfDialog(const std::string& room, const std::string& headers) {
  user_ = room;
  call_id_ = "uac-refer-" + randomToken() + "@127.0.0.1";
  from_tag_ = randomToken();
  to_tag_.clear();
  return refer(headers);
}

SipReply SipUac::subscribe(const std::string& room, const std::string& headers) {
  user_ = room;
  call_id_ = "uac-subscribe-" + randomToken() + "@127.0.0.1";
  from_tag_ = randomToken();
  to_tag_.clear();
  return resubscribe(headers);
}

SipReply SipUac::resubscribe(const std::string& headers) {
  request_headers_ = headers;
  return transact("SUBSCRIBE", std::nullopt, std::nullopt);
}

SipReply SipUac::info(const std::string& content_type, const std::string& body) {
  return transact("INFO", body, std::nullopt, content_type);
}

bool SipUac::awaitRequest(const std::string& method, std::chrono::milliseconds timeout) {
  const auto request = takeRequest(method, timeout);
  if (request) {
    respond(*request, 200);
  }
  return request.has_value();
}

std::optional<std::string> SipUac::takeRequest(const std::string& method,
                                               std::chrono::milliseconds timeout) {
  for (auto it = early_requests_.begin(); it != early_requests_.end(); ++it) {
    if (it->rfind(method + " ", 0) == 0) {
      std::string request = *it;
      early_requests_.erase(it);
      return request;
    }
  }
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto message = receive(std::chrono::milliseconds(100));
    if (message && message->rfind(method + " ", 0) == 0) {
      return message;
    }
  }
  return std::nullopt;
}

void SipUac::respond(const std::string& request, int status,
                     const std::optional<std::string>& sdp) {
  std::ostringstream r;
  r << "SIP/2.0 " << status << (status < 300 ? " OK" : " Failed") << "\r\n"
    << "Via: " << headerValue(request, "Via") << "\r\n"
    << "From: " << headerValue(request, "From") << "\r\n"
    << "To: " << headerValue(request, "To") << "\r\n"
    << "Call-ID: " << headerValue(request, "Call-ID") << "\r\n"
    << "CSeq: " << headerValue(request, "CSeq") << "\r\n"
    << "Contact: <" << scheme() << "tester@127.0.0.1:" << local_port_ << ">\r\n";
  if (sdp) {
    r << "Content-Type: application/sdp\r\nContent-Length: " << sdp->size() << "\r\n\r\n" << *sdp;
  } else {
    r << "Content-Length: 0\r\n\r\n";
  }
  send(r.str());
}

std::uint16_t sdpAudioPort(const std::string& sdp) {
  const auto pos = sdp.find("m=audio ");
  return pos == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(sdp.substr(pos + 8)));
}

std::string sdpOffer(std::uint16_t port, const std::string& codec, const std::string& direction) {
  std::string pt;
  std::string map;
  if (codec == "opus") {
    pt = "111";
    map = "a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n";
  } else if (codec == "G722") {
    pt = "9";
    map = "a=rtpmap:9 G722/8000\r\n";
  } else if (codec == "PCMA") {
    pt = "8";
    map = "a=rtpmap:8 PCMA/8000\r\n";
  } else {
    pt = "0";
    map = "a=rtpmap:0 PCMU/8000\r\n";
  }
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP " + pt + " 101\r\n" + map +
         "a=rtpmap:101 telephone-event/8000\r\na=rtcp-mux\r\na=" + direction + "\r\n";
}

}  // namespace mcu::test
