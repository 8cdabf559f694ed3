#include "tests/load/slow_tick_timeline.h"

#include <algorithm>

#include "tests/load/server_sample.h"

namespace mcu::test {

namespace {
constexpr auto kServerPublishes = std::chrono::milliseconds(200);  // MediaThread
}  // namespace

SlowTickTimeline::SlowTickTimeline(std::uint16_t http_port, std::chrono::milliseconds every)
    : thread_([this, http_port, every] { run(http_port, every); }) {}

SlowTickTimeline::~SlowTickTimeline() { stop(); }

void SlowTickTimeline::stop() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void SlowTickTimeline::run(std::uint16_t http_port, std::chrono::milliseconds every) {
  const auto slow = [](const ServerSample& s) { return s.ticks - s.ticks_within_5ms; };
  auto read_at = std::chrono::steady_clock::now();
  double before = slow(sampleServer(0, http_port));
  while (!stopping_.load()) {
    std::this_thread::sleep_until(read_at + every);
    const auto now = std::chrono::steady_clock::now();
    const double after = slow(sampleServer(0, http_port));
    spans_.push_back({.from = read_at, .to = now, .slow_ticks = std::max(0.0, after - before)});
    before = std::max(before, after);  // a failed read gives 0: not a fall
    read_at = now;
  }
}

SlowTickAttribution attributeSlowTicks(const std::vector<SlowTickSpan>& spans,
                                       const std::vector<MachineStall>& stalls, double min_ms) {
  SlowTickAttribution a;
  for (const auto& span : spans) {
    const bool overlapped = std::any_of(stalls.begin(), stalls.end(), [&](const MachineStall& s) {
      // The server publishes its counts every 200 ms, so a tick counted by this read ended
      // up to 200 ms before the previous one; and a stall found when the probe was due may
      // have begun up to its period (1 ms) before.
      return s.ms() >= min_ms && s.from - std::chrono::milliseconds(1) <= span.to &&
             s.to >= span.from - kServerPublishes;
    });
    (overlapped ? a.with_stall : a.without_stall) += span.slow_ticks;
    a.covered_share += overlapped ? 1.0 : 0.0;
  }
  a.covered_share = spans.empty() ? 0.0 : a.covered_share / static_cast<double>(spans.size());
  return a;
}

}  // namespace mcu::test
