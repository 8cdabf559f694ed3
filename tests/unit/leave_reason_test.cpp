// Leave reasons keep the text the call records, events and logs have always carried.
#include "mcu/conference/leave_reason.h"

#include <gtest/gtest.h>

#include <set>

namespace mcu::conference {
namespace {

TEST(LeaveReasonTest, EachCauseHasItsOwnTextAndFailuresCarryTheirStatus) {
  EXPECT_EQ(leaveReasonText({LeaveCause::kBye}), "bye");
  EXPECT_EQ(leaveReasonText({LeaveCause::kRtpTimeout}), "rtp_timeout");
  EXPECT_EQ(leaveReasonText({LeaveCause::kDialOutFailed, 486}), "dialout_failed_486");
  EXPECT_EQ(leaveReasonText({LeaveCause::kRefreshFailed, 481}), "refresh_failed_481");
  EXPECT_EQ(leaveReasonText({}), "ended");
  std::set<std::string> texts;
  const auto last = static_cast<int>(LeaveCause::kRefreshFailed);
  for (int c = 0; c <= last; ++c) {
    texts.insert(leaveReasonText({static_cast<LeaveCause>(c)}));
  }
  EXPECT_EQ(texts.size(), static_cast<std::size_t>(last + 1)) << "no two causes share a text";
}

}  // namespace
}  // namespace mcu::conference
