// The machine alone: MachineStallProbe for S seconds with nothing of ours running. It is the
// baseline for `sip_crowd --stall-probe 1`: a VM's host stops its vCPUs whether or not a
// server runs, and a stall seen here is none of the server's doing.
//
//   machine_stalls [SECONDS] [--busy]   (default 20 s; as root, for the probe's priority)
//
// --busy keeps every CPU busy meanwhile with a loop in user space (normal priority, no
// system calls), as a load run keeps them: a host preempts a busy vCPU, not a halted one.
//
// Prints one line: seconds, machine_stalls (spans of 3 ms or more in which a CPU could not run
// the probe), whole_machine_stalls (every CPU at once), max_machine_stall_ms, probe_rt.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/load/machine_stall_probe.h"

int main(int argc, char** argv) {
  const int seconds = std::clamp(argc > 1 ? std::atoi(argv[1]) : 20, 1, 3600);
  const bool busy = argc > 2 && std::string_view(argv[2]) == "--busy";
  std::atomic<bool> stop{false};
  std::vector<std::thread> spinners;
  for (unsigned i = 0; busy && i < std::thread::hardware_concurrency(); ++i) {
    spinners.emplace_back([&stop] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  mcu::test::MachineStallProbe probe(50);  // as sip_crowd's
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  probe.stop();
  stop = true;
  for (auto& t : spinners) {
    t.join();
  }
  const mcu::test::StallSummary s = probe.summary(3.0);
  std::printf(
      "seconds=%d busy=%d cpus=%d machine_stalls=%d whole_machine_stalls=%d "
      "max_machine_stall_ms=%.2f "
      "probe_rt=%d\n",
      seconds, busy ? 1 : 0, probe.cpus(), s.stalls, s.whole_machine, s.max_ms,
      probe.realtime() ? 1 : 0);
  return 0;
}
