#include "mcu/app/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "mcu/app/cpu_budget.h"
#include "mcu/app/metric_text.h"

namespace mcu::app {
namespace {

double residentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double openFds() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// The wall-clock time the process started: now minus how long it has run (field 22 of
// /proc/self/stat is in clock ticks since boot; the uptime is in seconds since boot). It does
// not change: read once, at the first scrape.
double readStartTimeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');  // the command name may hold spaces
  std::istringstream fields(close == std::string::npos ? "" : text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  std::ifstream uptime_file("/proc/uptime");
  double uptime = 0;
  uptime_file >> uptime;
  const double started_after_boot =
      std::stod(field.empty() ? "0" : field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return now - (uptime - started_after_boot);
}

}  // namespace

void writeProcessMetrics(std::ostringstream& out) {
  static const double kStartTime = readStartTimeSeconds();
  writeMetric(out, "process_cpu_seconds_total", "counter",
              "User and system CPU time spent, in seconds.", processCpuSeconds());
  writeMetric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
              residentBytes());
  writeMetric(out, "process_open_fds", "gauge", "Open file descriptors.", openFds());
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  writeMetric(out, "process_max_fds", "gauge", "The limit of open file descriptors.",
              static_cast<double>(limit.rlim_cur));
  writeMetric(out, "process_start_time_seconds", "gauge",
              "Start time of the process since the Unix epoch, in seconds.", kStartTime);
}

}  // namespace mcu::app
