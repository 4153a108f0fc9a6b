#include "proto/time.h"

#include <chrono>
#include <cstdio>
#include <cstring>

namespace sb::proto {

namespace chr = std::chrono;

std::string format_rfc3339(TimeMs ms) { return std::string(rfc3339_text(ms).view()); }

Rfc3339Text rfc3339_text(TimeMs ms) {
  const chr::sys_time<chr::milliseconds> tp{chr::milliseconds(ms)};
  const auto day = chr::floor<chr::days>(tp);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{tp - day};
  // Written digit by digit: this runs for every frame, and snprintf showed
  // up in the ingest profile.
  Rfc3339Text out;
  std::memcpy(out.text, "0000-00-00T00:00:00.000Z", sizeof out.text);
  auto put = [&out](std::size_t pos, int width, unsigned v) {
    for (int i = width - 1; i >= 0; --i) {
      out.text[pos + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    std::memcpy(out.text, "1970-01-01T00:00:00.000Z", sizeof out.text);
    return out;
  }
  put(0, 4, static_cast<unsigned>(year));
  put(5, 2, static_cast<unsigned>(ymd.month()));
  put(8, 2, static_cast<unsigned>(ymd.day()));
  put(11, 2, static_cast<unsigned>(hms.hours().count()));
  put(14, 2, static_cast<unsigned>(hms.minutes().count()));
  put(17, 2, static_cast<unsigned>(hms.seconds().count()));
  put(20, 3, static_cast<unsigned>(hms.subseconds().count()));
  return out;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}
}  // namespace

std::optional<TimeMs> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int frac_ms = 0;
  if (s[pos] == '.') {
    ++pos;
    int scale = 100, n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++n;
    }
    if (n == 0) return std::nullopt;
  }
  const std::string_view tz = s.substr(pos);
  if (tz != "Z" && tz != "z" && tz != "+00:00") return std::nullopt;
  const chr::year_month_day ymd{chr::year(y), chr::month(static_cast<unsigned>(mo)),
                                chr::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  const auto days = chr::sys_days(ymd).time_since_epoch();
  const auto total = chr::duration_cast<chr::milliseconds>(days) + chr::hours(h) +
                     chr::minutes(mi) + chr::seconds(se) + chr::milliseconds(frac_ms);
  return total.count();
}

}  // namespace sb::proto
