#include "api/timestamp.h"

#include <gtest/gtest.h>

namespace mcu::api {
namespace {

TEST(TimestampTest, RealInstantsAreTaken) {
  EXPECT_TRUE(isRfc3339Timestamp("2026-01-01T05:00:00Z"));
  EXPECT_TRUE(isRfc3339Timestamp("2024-02-29T23:59:59.123456+14:00"));
  EXPECT_TRUE(isRfc3339Timestamp("2000-02-29T00:00:00-12:00"));
}

TEST(TimestampTest, ImpossibleDatesAndTimesAreNot) {
  for (const char* bad : {"0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                          "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                          "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
                          "2026-01-01T00:00:00+15:00", "2026-01-01T00:00:00+01:60", "yesterday",
                          "2026-01-01 00:00:00Z", "2026-01-01T00:00:00"}) {
    EXPECT_FALSE(isRfc3339Timestamp(bad)) << bad;
  }
}

}  // namespace
}  // namespace mcu::api
