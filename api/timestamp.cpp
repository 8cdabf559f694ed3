#include "api/timestamp.h"

#include <regex>
#include <string>

namespace mcu::api {
namespace {

const std::regex kShape(
    R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2}):(\d{2}))$)");

bool leapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysIn(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leapYear(year) ? 29 : kDays[month - 1];
}

}  // namespace

bool isRfc3339Timestamp(std::string_view text) {
  const std::string s(text);
  std::smatch m;
  if (!std::regex_match(s, m, kShape)) {
    return false;
  }
  const auto num = [&m](std::size_t i) { return std::stoi(m[i].str()); };
  const int year = num(1);
  const int month = num(2);
  if (year < 1 || month < 1 || month > 12) {
    return false;
  }
  if (num(3) < 1 || num(3) > daysIn(year, month) || num(4) > 23 || num(5) > 59 || num(6) > 59) {
    return false;
  }
  // UTC offsets run from -12:00 to +14:00 in use; PostgreSQL refuses beyond ±15:59.
  return !m[9].matched || (num(9) <= 14 && num(10) <= 59);
}

}  // namespace mcu::api
