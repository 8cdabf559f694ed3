#include "mcu/app/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace mcu::app {
namespace {

void gauge(std::ostringstream& out, const char* name, const char* type, const char* help,
           double value) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
      << name << " " << value << "\n";
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

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
// /proc/self/stat is in clock ticks since boot; the uptime is in seconds since boot).
double startTimeSeconds() {
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
  gauge(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
        cpuSeconds());
  gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
        residentBytes());
  gauge(out, "process_open_fds", "gauge", "Open file descriptors.", openFds());
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  gauge(out, "process_max_fds", "gauge", "The limit of open file descriptors.",
        static_cast<double>(limit.rlim_cur));
  gauge(out, "process_start_time_seconds", "gauge",
        "Start time of the process since the Unix epoch, in seconds.", startTimeSeconds());
}

}  // namespace mcu::app
