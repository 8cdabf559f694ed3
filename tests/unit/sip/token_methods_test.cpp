// The server's SIP message class: methods are RFC 3261 tokens in the request line and CSeq.
#include "mcu/sip/token_methods.h"

#include <gtest/gtest.h>
#include <sofia-sip/msg.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>

#include <string>

namespace mcu::sip {
namespace {

struct Parsed {
  bool ok = false;
  sip_method_t method = sip_method_invalid;
  std::string name;
  std::string cseq_name;
};

Parsed parse(const std::string& method, const std::string& cseq_method) {
  const std::string text = method +
                           " sip:room@127.0.0.1 SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1\r\n"
                           "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:room@127.0.0.1>\r\n"
                           "Call-ID: t1\r\nCSeq: 7 " +
                           cseq_method + "\r\nContent-Length: 0\r\n\r\n";
  msg_t* msg =
      msg_make(tokenMethodMessageClass(), 0, text.data(), static_cast<isize_t>(text.size()));
  Parsed out;
  const sip_t* sip = msg != nullptr ? sip_object(msg) : nullptr;
  if (sip != nullptr && sip->sip_request != nullptr && sip->sip_cseq != nullptr &&
      sip->sip_error == nullptr) {
    out = {true, sip->sip_request->rq_method, sip->sip_request->rq_method_name,
           sip->sip_cseq->cs_method_name};
  }
  msg_destroy(msg);
  return out;
}

TEST(TokenMethodsTest, KnownMethodsKeepTheirCodes) {
  const auto invite = parse("INVITE", "INVITE");
  ASSERT_TRUE(invite.ok);
  EXPECT_EQ(invite.method, sip_method_invite);
  EXPECT_EQ(invite.name, "INVITE");
  EXPECT_EQ(parse("OPTIONS", "OPTIONS").method, sip_method_options);
  EXPECT_EQ(parse("REFER", "REFER").method, sip_method_refer);
}

TEST(TokenMethodsTest, EveryTokenCharacterMakesAnUnknownMethodWithItsName) {
  const std::string method = "!interesting-Method0123456789_*+`.%indeed'~";
  const auto parsed = parse(method, method);
  ASSERT_TRUE(parsed.ok);
  EXPECT_EQ(parsed.method, sip_method_unknown);
  EXPECT_EQ(parsed.name, method);
  EXPECT_EQ(parsed.cseq_name, method);
  EXPECT_EQ(parse("INVITEX", "INVITEX").method, sip_method_unknown) << "not a prefix match";
}

TEST(TokenMethodsTest, CharactersOutsideTheTokenAreRefused) {
  for (const std::string bad : {"IN(VITE", "IN@VITE", "IN\"VITE", "IN/VITE", "IN:VITE"}) {
    EXPECT_FALSE(parse(bad, "INVITE").ok) << bad;
    EXPECT_FALSE(parse("INVITE", bad).ok) << "CSeq " << bad;
  }
}

}  // namespace
}  // namespace mcu::sip
