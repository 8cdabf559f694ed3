// When a running server's slow media ticks (over 5 ms) happened, to within the server's
// publishing period (its media threads publish their counts every 200 ms): a thread reads
// /metrics every `every` and keeps each period with the slow ticks counted in it. Set beside
// MachineStallProbe's stalls, it tells the slow ticks that a stall of the machine overlapped from
// those that only the server's work explains. Reading /metrics costs the server a little CPU (about
// 0.1 ms a read), so runs that report CPU leave it off.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "tests/load/machine_stall_probe.h"

namespace mcu::test {

struct SlowTickSpan {
  std::chrono::steady_clock::time_point from;  // the previous read
  std::chrono::steady_clock::time_point to;    // the read that counted them
  double slow_ticks = 0;
};

struct SlowTickAttribution {
  double with_stall = 0;     // slow ticks in a period that a stall of >= min_ms overlapped
  double without_stall = 0;  // the others
  // The share of the periods that a stall overlapped: where slow ticks would fall by chance
  // if stalls had nothing to do with them (all k of them: this share to the power k).
  double covered_share = 0;
};

class SlowTickTimeline {
 public:
  SlowTickTimeline(std::uint16_t http_port, std::chrono::milliseconds every);
  ~SlowTickTimeline();
  SlowTickTimeline(const SlowTickTimeline&) = delete;
  SlowTickTimeline& operator=(const SlowTickTimeline&) = delete;

  // Ends the reading thread; after it, spans() is final.
  void stop();
  [[nodiscard]] const std::vector<SlowTickSpan>& spans() const { return spans_; }

 private:
  void run(std::uint16_t http_port, std::chrono::milliseconds every);

  std::vector<SlowTickSpan> spans_;  // written by the thread, read after stop()
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

SlowTickAttribution attributeSlowTicks(const std::vector<SlowTickSpan>& spans,
                                       const std::vector<MachineStall>& stalls, double min_ms);

}  // namespace mcu::test
