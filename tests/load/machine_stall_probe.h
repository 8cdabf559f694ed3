// The machine's own stalls, measured beside a load run as cyclictest measures them: one thread
// per CPU, pinned to it, at a real-time priority above the server's media threads, wakes every
// millisecond and records each wake-up that came 2 ms or more late. What holds such a thread
// back is the machine (on a VM, the host stopping a vCPU, or the whole VM) or a kernel section
// that cannot be preempted (this kernel preempts only at voluntary points), the server's own
// included. A span in which every CPU stalled at once is the VM's; so is anything the probe
// sees with no server running (machine_stalls). A media tick that a stall overlaps runs long
// however little work it has; SlowTickTimeline tells those ticks from the others.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace mcu::test {

struct MachineStall {
  std::chrono::steady_clock::time_point from;  // when the probe was due
  std::chrono::steady_clock::time_point to;    // when it ran
  int cpu = 0;

  [[nodiscard]] double ms() const {
    return std::chrono::duration<double, std::milli>(to - from).count();
  }
};

// Stalls seen together: those whose spans overlap, on any CPU.
struct StallSummary {
  int stalls = 0;         // merged spans of at least `min_ms`
  int whole_machine = 0;  // of those, spans in which every CPU stalled
  double max_ms = 0;      // the longest merged span
};

class MachineStallProbe {
 public:
  explicit MachineStallProbe(int priority);
  ~MachineStallProbe();
  MachineStallProbe(const MachineStallProbe&) = delete;
  MachineStallProbe& operator=(const MachineStallProbe&) = delete;

  // Ends the probe threads; after it, stalls() and summary() are final.
  void stop();
  // Every stall recorded, by start time.
  [[nodiscard]] std::vector<MachineStall> stalls() const;
  // Of the stalls that began at `since` or later.
  [[nodiscard]] StallSummary summary(double min_ms,
                                     std::chrono::steady_clock::time_point since = {}) const;
  // Whether every probe thread got its real-time priority (false: not root, or no rtprio).
  [[nodiscard]] bool realtime() const { return realtime_.load(); }
  [[nodiscard]] int cpus() const { return static_cast<int>(per_cpu_.size()); }

 private:
  void run(int cpu, int priority);

  // Each thread writes only its own list, and nobody reads one until the threads are joined.
  std::vector<std::vector<MachineStall>> per_cpu_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> realtime_{true};
};

}  // namespace mcu::test
