// Text from the network made storable and showable without losing any of it.
#include "mcu/common/network_text.h"

#include <gtest/gtest.h>

namespace mcu::text {
namespace {

TEST(NetworkTextTest, ValidUtf8IsKeptAsItIs) {
  const std::string names[] = {"Alice", "Zo\xc3\xab", "\xe5\xbc\xa0\xe4\xbc\x9f",
                               "\xf0\x9f\x93\x9e phone"};
  for (const auto& name : names) {
    EXPECT_EQ(readableText(name), name);
  }
}

TEST(NetworkTextTest, BytesThatAreNotUtf8AreReadAsLatin1) {
  EXPECT_EQ(readableText("caf\xe9"), "caf\xc3\xa9");
  EXPECT_EQ(readableText("\xff\xfe"), "\xc3\xbf\xc3\xbe");
  // Overlong, surrogate and truncated sequences are not UTF-8 either.
  EXPECT_EQ(readableText("\xc0\xaf"), "\xc3\x80\xc2\xaf");
  EXPECT_EQ(readableText("\xed\xa0\x80"), "\xc3\xad\xc2\xa0\xc2\x80");
  EXPECT_EQ(readableText("\xe2\x82"), "\xc3\xa2\xc2\x82");
}

TEST(NetworkTextTest, ControlCharactersAreWrittenOutNotDropped) {
  EXPECT_EQ(readableText(std::string("a\0b\x07\x7f", 5)), "a\\x00b\\x07\\x7F");
  EXPECT_EQ(readableText("tab\there"), "tab\\x09here");
}

TEST(NetworkTextTest, UrisKeepPrintableAsciiAndPercentEncodeTheRest) {
  EXPECT_EQ(asciiText("sip:alice@127.0.0.1;transport=tcp"), "sip:alice@127.0.0.1;transport=tcp");
  EXPECT_EQ(asciiText("sip:a\xff@h"), "sip:a%FF@h");
  EXPECT_EQ(asciiText(std::string("x\0 y", 4)), "x%00%20y");
}

}  // namespace
}  // namespace mcu::text
