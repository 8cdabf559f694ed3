// Event-stream tickets: one use each, 30 s, the role of who asked, and a bounded number
// outstanding. Time is given to the class, so expiry is tested without waiting.
#include "api/event_tickets.h"

#include <gtest/gtest.h>

#include <set>

namespace mcu::api {
namespace {

using namespace std::chrono_literals;
const EventTickets::Clock::time_point kT0{std::chrono::hours(1)};

TEST(EventTicketsTest, ATicketIsSpentByItsFirstUseAndCarriesItsRole) {
  EventTickets tickets;
  const auto viewer = tickets.issue(Role::kViewer, kT0);
  const auto admin = tickets.issue(Role::kAdmin, kT0);
  ASSERT_TRUE(viewer && admin);
  EXPECT_NE(*viewer, *admin);
  EXPECT_EQ(viewer->size(), 64U);
  EXPECT_EQ(tickets.redeem(*admin, kT0 + 1s), Role::kAdmin);
  EXPECT_EQ(tickets.redeem(*viewer, kT0 + 1s), Role::kViewer);
  EXPECT_FALSE(tickets.redeem(*viewer, kT0 + 2s)) << "spent";
  EXPECT_FALSE(tickets.redeem("", kT0));
  EXPECT_FALSE(tickets.redeem(std::string(64, '0'), kT0));
}

TEST(EventTicketsTest, ATicketLastsThirtySeconds) {
  EventTickets tickets;
  const auto early = tickets.issue(Role::kViewer, kT0);
  const auto late = tickets.issue(Role::kViewer, kT0);
  EXPECT_EQ(tickets.redeem(*early, kT0 + 29s), Role::kViewer);
  EXPECT_FALSE(tickets.redeem(*late, kT0 + 30s));
}

TEST(EventTicketsTest, OutstandingTicketsAreBoundedUntilTheyExpire) {
  EventTickets tickets;
  std::set<std::string> issued;
  for (std::size_t i = 0; i < EventTickets::kMaxOutstanding; ++i) {
    const auto t = tickets.issue(Role::kViewer, kT0);
    ASSERT_TRUE(t);
    issued.insert(*t);
  }
  EXPECT_EQ(issued.size(), EventTickets::kMaxOutstanding) << "every ticket is different";
  EXPECT_FALSE(tickets.issue(Role::kViewer, kT0 + 1s)) << "full";
  ASSERT_TRUE(tickets.redeem(*issued.begin(), kT0 + 1s));
  EXPECT_TRUE(tickets.issue(Role::kViewer, kT0 + 1s)) << "a spent one makes room";
  EXPECT_FALSE(tickets.issue(Role::kViewer, kT0 + 2s));
  EXPECT_TRUE(tickets.issue(Role::kViewer, kT0 + 31s)) << "expired ones make room";
}

}  // namespace
}  // namespace mcu::api
