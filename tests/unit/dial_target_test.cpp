#include "mcu/common/dial_target.h"

#include <gtest/gtest.h>

namespace mcu {
namespace {

TEST(DialTarget, OnlyAllowedHostsAreCalled) {
  const std::string allow = "pbx.example.org, *.trunk.example.net,127.0.0.1";
  EXPECT_FALSE(checkDialTarget("sip:alice@pbx.example.org", allow));
  EXPECT_FALSE(checkDialTarget("sips:bob@PBX.Example.org:5061;transport=tls", allow));
  EXPECT_FALSE(checkDialTarget("sip:+15551234@gw1.trunk.example.net", allow));
  EXPECT_FALSE(checkDialTarget("sip:callee@127.0.0.1:5099", allow));
  EXPECT_EQ(checkDialTarget("sip:x@trunk.example.net", allow)->status, 403)
      << "*.domain is its subdomains, not the domain";
  EXPECT_EQ(checkDialTarget("sip:x@evilpbx.example.org", allow)->status, 403);
  EXPECT_EQ(checkDialTarget("sip:x@pbx.example.org.evil.com", allow)->status, 403);
  EXPECT_EQ(checkDialTarget("sip:alice@pbx.example.org", "")->status, 403) << "off by default";
}

TEST(DialTarget, AnythingButAPlainSipUriIs422) {
  for (const auto* uri : {"tel:+15551234", "alice@pbx.example.org", "sip:", "sip:a@b c",
                          "sip:alice@pbx.example.org?Subject=hi", "<sip:alice@pbx.example.org>",
                          "sip:alice@pbx.example.org\r\nX: y"}) {
    const auto refusal = checkDialTarget(uri, "pbx.example.org");
    ASSERT_TRUE(refusal) << uri;
    EXPECT_EQ(refusal->status, 422) << uri;
  }
}

}  // namespace
}  // namespace mcu
