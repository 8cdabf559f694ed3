#include "mcu/common/text.h"

#include <gtest/gtest.h>

namespace mcu::text {
namespace {

using Pieces = std::vector<std::string_view>;

TEST(TextTest, SplitKeepsEveryPieceSplitListOnlyTheItemsPeopleMeant) {
  EXPECT_EQ(split("a,b,,c", ','), (Pieces{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), Pieces{});
  EXPECT_EQ(split("a,", ','), (Pieces{"a"})) << "a trailing separator ends the list";
  EXPECT_EQ(splitList(" opus, PCMU,,\tG722 "), (Pieces{"opus", "PCMU", "G722"}));
  EXPECT_EQ(splitList(" , ,"), Pieces{});
  EXPECT_EQ(splitList("a;b", ';'), (Pieces{"a", "b"}));
}

TEST(TextTest, ParseNumberTakesWholeDecimalNumbersInRangeOnly) {
  EXPECT_EQ(parseNumber<std::uint64_t>("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_EQ(parseNumber<std::int64_t>("-7"), -7);
  EXPECT_EQ(parseNumber<std::size_t>("0"), 0U);
  for (const char* bad : {"", "12x", " 12", "+1", "-1", "18446744073709551616"}) {
    EXPECT_FALSE(parseNumber<std::uint64_t>(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace mcu::text
