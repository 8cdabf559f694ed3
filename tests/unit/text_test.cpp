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

}  // namespace
}  // namespace mcu::text
