// What a load run reads of a running server from outside: its CPU, RSS and threads from
// /proc/PID, and the media engine's tick figures from its /metrics. Used by sip_crowd at the
// start and end of its measured window, and many times a second by SlowTickTimeline.
#pragma once

#include <cstdint>

namespace mcu::test {

struct ServerSample {
  double cpu_s = 0;
  double rss_kb = 0;
  int threads = 0;
  double late_ticks = 0;
  double max_tick_ms = 0;
  double ticks = 0;
  double ticks_within_5ms = 0;
  double ticks_within_20ms = 0;
  double tick_s_sum = 0;
  double receive_ahead_s = 0;
  double receives_ahead = 0;
  double max_receive_ahead_ms = 0;
};

// pid 0: no /proc figures; http_port 0: no /metrics figures.
ServerSample sampleServer(int pid, std::uint16_t http_port);

}  // namespace mcu::test
