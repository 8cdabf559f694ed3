#include "mcu/sip/sofia_log.h"

#include <sofia-sip/su_log.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "mcu/common/log.h"

namespace mcu::sip {
namespace {

// sofia writes one message in several calls ("text", then "\treported by ..."), so pieces are
// collected per thread until a newline ends the message.
void onSofiaLog(void* /*stream*/, const char* fmt, va_list ap) {
  thread_local std::string pending;
  std::array<char, 1024> buf{};
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(buf.data(), buf.size(), fmt, copy);
  va_end(copy);
  if (n <= 0) {
    return;
  }
  pending.append(buf.data(), std::min(static_cast<std::size_t>(n), buf.size() - 1));
  for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty() && line[0] == '\t') {
      line.erase(0, 1);
    }
    if (!line.empty()) {
      log::info("sofia", "stack_message").kv("text", line);
    }
  }
}

}  // namespace

void routeSofiaLogsToStructuredLog() { su_log_redirect(su_log_default, onSofiaLog, nullptr); }

}  // namespace mcu::sip
