#include "mixer/core/participant_id.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace mcu::mixer::core {
namespace {

using literals::operator""_pid;

TEST(ParticipantIdTest, TextNamesAnIdOnlyWithinThirtyTwoBits) {
  EXPECT_EQ(ParticipantId::fromText("1"), 1_pid);
  EXPECT_EQ(ParticipantId::fromText("4294967295"), ParticipantId(0xFFFFFFFFU));
  EXPECT_EQ(ParticipantId::fromText("4294967296"), std::nullopt) << "2^32 would wrap to 0";
  EXPECT_EQ(ParticipantId::fromText("4294967297"), std::nullopt) << "2^32+1 would wrap to 1";
  EXPECT_EQ(ParticipantId::fromText("18446744073709551617"), std::nullopt);
  for (const char* bad : {"", "0", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.0"}) {
    EXPECT_EQ(ParticipantId::fromText(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParticipantIdTest, ComparesPrintsAndHashesByValue) {
  EXPECT_FALSE(ParticipantId().valid());
  EXPECT_TRUE((7_pid).valid());
  EXPECT_LT(2_pid, 10_pid);
  EXPECT_EQ((42_pid).text(), "42");
  const std::unordered_set<ParticipantId> ids{1_pid, 2_pid, 1_pid};
  EXPECT_EQ(ids.size(), 2U);
}

}  // namespace
}  // namespace mcu::mixer::core
