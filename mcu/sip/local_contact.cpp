#include "mcu/sip/local_contact.h"

#include <sofia-sip/url.h>
#include <strings.h>

#include <array>
#include <cstring>

#include "mcu/sip/media_address.h"
#include "mcu/sip/sip_fields.h"

namespace mcu::sip {
namespace {

// Our host as the peer reaches it: the configured one, or for a wildcard listener the address
// on the route toward the peer.
std::string hostToward(const HostPort& listener, std::string peer) {
  if (peer.size() > 2 && peer.front() == '[' && peer.back() == ']') {
    peer = peer.substr(1, peer.size() - 2);
  }
  const std::string host = isWildcardHost(listener.host)
                               ? localAddressToward(peer.empty() ? "127.0.0.1" : peer)
                               : listener.host;
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string build(const SipListeners& listeners, SipTransport transport, bool sips,
                  const std::string& peer, const std::string& user) {
  const bool tls = transport == SipTransport::kTls && listeners.tls.has_value();
  const HostPort& listener = tls ? *listeners.tls : listeners.listen;
  std::string contact = "<";
  contact += sips && tls ? "sips:" : "sip:";
  if (!user.empty()) {
    contact += user + "@";
  }
  contact += hostToward(listener, peer) + ":" + std::to_string(listener.port);
  if (!(sips && tls)) {  // a SIPS URI is TLS by its scheme
    contact += tls                               ? ";transport=tls"
               : transport == SipTransport::kTcp ? ";transport=tcp"
                                                 : ";transport=udp";
  }
  return contact + ">;isfocus";
}

}  // namespace

SipTransport transportNamed(const char* name) {
  if (name == nullptr) {
    return SipTransport::kUdp;
  }
  const char* slash = std::strrchr(name, '/');
  const char* t = slash != nullptr ? slash + 1 : name;
  if (strcasecmp(t, "TCP") == 0) {
    return SipTransport::kTcp;
  }
  if (strcasecmp(t, "TLS") == 0) {
    return SipTransport::kTls;
  }
  return SipTransport::kUdp;
}

std::string contactForRequest(const SipListeners& listeners, const sip_t* request,
                              const std::string& user) {
  const sip_via_t* via = request != nullptr ? request->sip_via : nullptr;
  const SipTransport transport = transportNamed(via != nullptr ? via->v_protocol : nullptr);
  const url_t* ruri = request != nullptr && request->sip_request != nullptr
                          ? request->sip_request->rq_url
                          : nullptr;
  const sip_record_route_t* rr = request != nullptr ? request->sip_record_route : nullptr;
  const bool sips = (ruri != nullptr && ruri->url_type == url_sips) ||
                    (rr != nullptr && rr->r_url->url_type == url_sips);
  return build(listeners, transport, sips, sourceOf(request), user);
}

std::string contactForTarget(const SipListeners& listeners, const url_t* target,
                             const std::string& user) {
  SipTransport transport = SipTransport::kUdp;
  bool sips = false;
  std::string peer;
  if (target != nullptr) {
    sips = target->url_type == url_sips;
    std::array<char, 16> param{};
    if (target->url_params != nullptr &&
        url_param(target->url_params, "transport", param.data(), param.size()) > 0) {
      transport = transportNamed(param.data());
    }
    if (sips) {
      transport = SipTransport::kTls;
    }
    peer = target->url_host != nullptr ? target->url_host : "";
  }
  return build(listeners, transport, sips, peer, user);
}

}  // namespace mcu::sip
