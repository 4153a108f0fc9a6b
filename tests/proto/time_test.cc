#include "proto/time.h"

#include <gtest/gtest.h>

namespace sb::proto {
namespace {

TEST(Time, FormatsRfc3339Utc) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1763877600123), "2025-11-23T06:00:00.123Z");
}

TEST(Time, TheBufferedTextIsTheSameText) {
  for (TimeMs t : {0LL, 999LL, 1763877600123LL, 253402300799999LL}) {
    EXPECT_EQ(rfc3339_text(t).view(), format_rfc3339(t));
  }
  EXPECT_EQ(rfc3339_text(1763877600123).view(), "2025-11-23T06:00:00.123Z");
  // Past year 9999 (not representable): the epoch, as format_rfc3339 gives.
  EXPECT_EQ(rfc3339_text(253402300800000LL).view(), "1970-01-01T00:00:00.000Z");
}

TEST(Time, ParsesWhatItFormats) {
  for (TimeMs t : {0LL, 1LL, 951782400000LL, 1763877600123LL, 4102444799999LL}) {
    auto back = parse_rfc3339(format_rfc3339(t));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, t);
  }
  EXPECT_EQ(parse_rfc3339("2025-11-23T06:00:00Z"), 1763877600000);
  EXPECT_EQ(parse_rfc3339("2025-11-23T06:00:00+00:00"), 1763877600000);
}

TEST(Time, RejectsMalformed) {
  for (const char* s : {"", "2025-11-23", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
                        "2025-11-23T06:00:00", "2025-11-23T06:00:00+02:00", "2025-11-23T24:00:00Z",
                        "2025-11-23T06:00:00.Z", "yesterday"}) {
    EXPECT_FALSE(parse_rfc3339(s).has_value()) << s;
  }
}

}  // namespace
}  // namespace sb::proto
