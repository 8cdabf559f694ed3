#include "mcu/sip/local_contact.h"

#include <gtest/gtest.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/url.h>

#include <string>

namespace mcu::sip {
namespace {

const SipListeners kListeners{HostPort{"127.0.0.1", 5060}, HostPort{"127.0.0.1", 5061}};

// A request as sofia parses it off the wire.
class ParsedRequest {
 public:
  explicit ParsedRequest(const std::string& text) {
    msg_ = msg_make(sip_default_mclass(), 0, text.data(), static_cast<isize_t>(text.size()));
  }
  ParsedRequest(const ParsedRequest&) = delete;
  ParsedRequest& operator=(const ParsedRequest&) = delete;
  ~ParsedRequest() { msg_destroy(msg_); }
  const sip_t* sip() const { return sip_object(msg_); }

 private:
  msg_t* msg_ = nullptr;
};

std::string invite(const std::string& ruri, const std::string& transport,
                   const std::string& record_route = "") {
  return "INVITE " + ruri + " SIP/2.0\r\nVia: SIP/2.0/" + transport +
         " 127.0.0.2:5099;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.2>;tag=1\r\n"
         "To: <sip:room@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n" +
         record_route + "Contact: <sip:a@127.0.0.2:5099>\r\nContent-Length: 0\r\n\r\n";
}

std::string contactFor(const std::string& text) {
  const ParsedRequest request(text);
  EXPECT_NE(request.sip(), nullptr);
  return contactForRequest(kListeners, request.sip(), "room");
}

TEST(LocalContactTest, EachTransportIsNamedAndOnlySipsUrisGetSips) {
  EXPECT_EQ(contactFor(invite("sip:room@127.0.0.1", "UDP")),
            "<sip:room@127.0.0.1:5060;transport=udp>;isfocus");
  EXPECT_EQ(contactFor(invite("sip:room@127.0.0.1", "TCP")),
            "<sip:room@127.0.0.1:5060;transport=tcp>;isfocus");
  EXPECT_EQ(contactFor(invite("sip:room@127.0.0.1;transport=tls", "TLS")),
            "<sip:room@127.0.0.1:5061;transport=tls>;isfocus");
  EXPECT_EQ(contactFor(invite("sips:room@127.0.0.1", "TLS")), "<sips:room@127.0.0.1:5061>;isfocus");
}

TEST(LocalContactTest, ASipsRecordRouteMakesTheContactSips) {
  EXPECT_EQ(
      contactFor(invite("sip:room@127.0.0.1", "TLS", "Record-Route: <sips:127.0.0.3;lr>\r\n")),
      "<sips:room@127.0.0.1:5061>;isfocus");
}

TEST(LocalContactTest, AWildcardListenerNamesTheAddressTowardThePeer) {
  const SipListeners any{HostPort{"0.0.0.0", 5070}, std::nullopt};
  const ParsedRequest request(invite("sip:room@127.0.0.1", "TCP"));
  EXPECT_EQ(contactForRequest(any, request.sip(), "r"),
            "<sip:r@127.0.0.1:5070;transport=tcp>;isfocus");
}

TEST(LocalContactTest, DialOutFollowsTheTargetsSchemeAndTransport) {
  su_home_t home[1] = {SU_HOME_INIT(home)};  // NOLINT(modernize-avoid-c-arrays): sofia idiom
  EXPECT_EQ(contactForTarget(kListeners, url_make(home, "sip:bob@127.0.0.5;transport=tcp"), "r"),
            "<sip:r@127.0.0.1:5060;transport=tcp>;isfocus");
  EXPECT_EQ(contactForTarget(kListeners, url_make(home, "sips:bob@127.0.0.5"), "r"),
            "<sips:r@127.0.0.1:5061>;isfocus");
  EXPECT_EQ(contactForTarget(kListeners, url_make(home, "sip:bob@127.0.0.5"), "r"),
            "<sip:r@127.0.0.1:5060;transport=udp>;isfocus");
  su_home_deinit(home);
}

}  // namespace
}  // namespace mcu::sip
