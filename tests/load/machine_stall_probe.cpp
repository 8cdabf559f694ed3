#include "tests/load/machine_stall_probe.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace mcu::test {

namespace {

constexpr auto kPeriod = std::chrono::milliseconds(1);
constexpr auto kLateness = std::chrono::milliseconds(2);
constexpr std::size_t kMostStallsPerCpu = 100000;  // a bound, far above any run's

void sleepUntil(std::chrono::steady_clock::time_point when) {
  // steady_clock is CLOCK_MONOTONIC; an absolute sleep does not drift by the wake-up cost.
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(ns.count() % 1000000000);
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

}  // namespace

MachineStallProbe::MachineStallProbe(int priority) {
  const long cpus = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  per_cpu_.resize(static_cast<std::size_t>(cpus));
  for (int cpu = 0; cpu < cpus; ++cpu) {
    per_cpu_[static_cast<std::size_t>(cpu)].reserve(1024);
    threads_.emplace_back([this, cpu, priority] { run(cpu, priority); });
  }
}

MachineStallProbe::~MachineStallProbe() { stop(); }

void MachineStallProbe::stop() {
  stopping_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void MachineStallProbe::run(int cpu, int priority) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<std::size_t>(cpu), &set);
  const sched_param param{.sched_priority = priority};
  if (::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) != 0 ||
      ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param) != 0) {
    realtime_ = false;
  }
  auto& mine = per_cpu_[static_cast<std::size_t>(cpu)];
  auto due = std::chrono::steady_clock::now();
  while (!stopping_.load(std::memory_order_relaxed)) {
    due += kPeriod;
    sleepUntil(due);
    const auto woke = std::chrono::steady_clock::now();
    if (woke - due >= kLateness) {
      if (mine.size() < kMostStallsPerCpu) {
        mine.push_back({.from = due, .to = woke, .cpu = cpu});
      }
      due = woke;  // not a burst of catch-up wake-ups
    }
  }
}

std::vector<MachineStall> MachineStallProbe::stalls() const {
  std::vector<MachineStall> all;
  for (const auto& mine : per_cpu_) {
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end(),
            [](const MachineStall& a, const MachineStall& b) { return a.from < b.from; });
  return all;
}

StallSummary MachineStallProbe::summary(double min_ms,
                                        std::chrono::steady_clock::time_point since) const {
  StallSummary s;
  auto all = stalls();
  std::erase_if(all, [since](const MachineStall& stall) { return stall.from < since; });
  for (std::size_t i = 0; i < all.size();) {
    // One merged span: every stall that starts before the span so far ends.
    auto to = all[i].to;
    std::vector<bool> cpus(per_cpu_.size(), false);
    double longest = 0;
    std::size_t j = i;
    for (; j < all.size() && all[j].from <= to; ++j) {
      to = std::max(to, all[j].to);
      cpus[static_cast<std::size_t>(all[j].cpu)] = true;
      longest = std::max(longest, all[j].ms());
    }
    if (longest >= min_ms) {
      ++s.stalls;
      s.whole_machine += std::all_of(cpus.begin(), cpus.end(), [](bool b) { return b; }) ? 1 : 0;
      s.max_ms =
          std::max(s.max_ms, std::chrono::duration<double, std::milli>(to - all[i].from).count());
    }
    i = j;
  }
  return s;
}

}  // namespace mcu::test
