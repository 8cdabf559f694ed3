#include "tests/load/server_sample.h"

#include <httplib.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace mcu::test {

using namespace std::chrono_literals;

ServerSample sampleServer(int pid, std::uint16_t http_port) {
  ServerSample s;
  if (pid > 0) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0;
    double stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      utime = i == 14 ? std::atof(field.c_str()) : utime;
      stime = i == 15 ? std::atof(field.c_str()) : stime;
    }
    s.cpu_s = (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    while (std::getline(status, line)) {
      if (line.starts_with("VmRSS:")) {
        s.rss_kb = std::atof(line.c_str() + 6);
      } else if (line.starts_with("Threads:")) {
        s.threads = std::atoi(line.c_str() + 8);
      }
    }
  }
  if (http_port > 0) {
    httplib::Client http("127.0.0.1", http_port);
    http.set_read_timeout(2s);
    if (auto res = http.Get("/metrics")) {
      std::istringstream lines(res->body);
      std::string line;
      // Each sample line is "<name> <value>": the value of the ones read here, by exact name.
      const std::array<std::pair<std::string_view, double*>, 9> wanted{{
          {"mcu_mixer_late_ticks_total", &s.late_ticks},
          {"mcu_mixer_max_tick_seconds", &s.max_tick_ms},
          {"mcu_mixer_tick_duration_seconds_count", &s.ticks},
          {"mcu_mixer_tick_duration_seconds_bucket{le=\"0.005\"}", &s.ticks_within_5ms},
          {"mcu_mixer_tick_duration_seconds_bucket{le=\"0.02\"}", &s.ticks_within_20ms},
          {"mcu_mixer_tick_duration_seconds_sum", &s.tick_s_sum},
          {"mcu_mixer_receive_ahead_seconds_total", &s.receive_ahead_s},
          {"mcu_mixer_receives_ahead_total", &s.receives_ahead},
          {"mcu_mixer_max_receive_ahead_seconds", &s.max_receive_ahead_ms},
      }};
      while (std::getline(lines, line)) {
        const auto space = line.rfind(' ');
        for (const auto& [name, value] : wanted) {
          if (space != std::string::npos && std::string_view(line).substr(0, space) == name) {
            *value = std::atof(line.c_str() + space + 1);
          }
        }
      }
      s.max_tick_ms *= 1000.0;  // seconds in the exposition
      s.max_receive_ahead_ms *= 1000.0;
    }
  }
  return s;
}

}  // namespace mcu::test
