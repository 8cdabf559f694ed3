#include "mcu/common/log.h"

#include <gtest/gtest.h>

namespace mcu::log {
namespace {

TEST(LogTest, PlainValuesAreNotQuoted) { EXPECT_EQ(formatValue("abc-1@host"), "abc-1@host"); }

TEST(LogTest, ValuesThatWouldBreakSplittingAreQuotedAndEscaped) {
  EXPECT_EQ(formatValue("two words"), "\"two words\"");
  EXPECT_EQ(formatValue("a=b"), "\"a=b\"");
  EXPECT_EQ(formatValue("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(formatValue(""), "\"\"");
}

TEST(LogTest, ComponentLevelOverridesDefault) {
  configure(Level::kWarn, {{"sip", Level::kDebug}});
  EXPECT_TRUE(enabled(Level::kDebug, "sip"));
  EXPECT_FALSE(enabled(Level::kTrace, "sip"));
  EXPECT_FALSE(enabled(Level::kInfo, "db"));
  EXPECT_TRUE(enabled(Level::kError, "db"));
  configure(Level::kInfo, {});
}

TEST(LogTest, ParsesLevelNames) {
  EXPECT_EQ(parseLevel("warning"), Level::kWarn);
  EXPECT_EQ(parseLevel("off"), Level::kOff);
  EXPECT_FALSE(parseLevel("verbose"));
}

}  // namespace
}  // namespace mcu::log
