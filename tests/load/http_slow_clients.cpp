// Load run for the HTTP listener (issue 11): holds N slowloris connections open against a
// running mcu, each dripping one header byte every --drip-ms and reopened when the server
// closes it, while a probe times GET /healthz and /readyz on fresh connections.
// Prints figures; asserts nothing (run it by hand, see README "Load runs").
//   http_slow_clients --port 8080 --slow 1000 --sources 20 --seconds 60
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8080;
  int slow = 1000;
  int sources = 20;
  int seconds = 60;
  int drip_ms = 2000;
  int probe_ms = 100;
};

struct Slow {
  int fd = -1;
  std::string source;
  Clock::time_point next_drip;
};

int connectFrom(const std::string& source, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One request on a fresh connection; milliseconds to the whole answer, or -1.
double probe(int port, const char* path) {
  const auto start = Clock::now();
  const int fd = connectFrom("127.0.0.1", port);
  if (fd < 0) {
    return -1;
  }
  const std::string request = std::string("GET ") + path + " HTTP/1.1\r\nHost: mcu\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  while (got.find('}') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
      break;
    }
    char buf[2048];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!got.starts_with("HTTP/1.1 200") || got.find('}') == std::string::npos) {
    return -1;
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--port") {
      o.port = value;
    } else if (flag == "--slow") {
      o.slow = value;
    } else if (flag == "--sources") {
      o.sources = std::max(1, value);
    } else if (flag == "--seconds") {
      o.seconds = std::clamp(value, 1, 3600);
    } else if (flag == "--drip-ms") {
      o.drip_ms = std::max(10, value);
    } else if (flag == "--probe-ms") {
      o.probe_ms = std::max(10, value);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<Slow> slow(static_cast<std::size_t>(o.slow));
  long reopened = 0;
  long refused = 0;
  auto open = [&](Slow& s) {
    s.fd = connectFrom(s.source, o.port);
    if (s.fd < 0) {
      ++refused;
      return;
    }
    constexpr std::string_view kHead = "GET /healthz HTTP/1.1\r\nHost: mcu\r\nX-Drip: ";
    ::send(s.fd, kHead.data(), kHead.size(), MSG_NOSIGNAL);
    s.next_drip = Clock::now() + std::chrono::milliseconds(o.drip_ms);
  };
  for (std::size_t i = 0; i < slow.size(); ++i) {
    slow[i].source = "127.0.9." + std::to_string(1 + static_cast<int>(i) % o.sources);
    open(slow[i]);
  }
  std::vector<double> latencies;
  long failures = 0;
  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  auto next_probe = Clock::now();
  std::vector<pollfd> fds;
  while (Clock::now() < end) {
    const auto now = Clock::now();
    for (auto& s : slow) {
      if (s.fd >= 0 && now >= s.next_drip) {
        ::send(s.fd, "a", 1, MSG_NOSIGNAL);
        s.next_drip = now + std::chrono::milliseconds(o.drip_ms);
      }
    }
    // Whatever the server closed (408 after its request deadline) is opened again, as an
    // attacker would; bounded by the run time.
    fds.clear();
    for (const auto& s : slow) {
      fds.push_back({s.fd, POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), 0);
    for (std::size_t i = 0; i < slow.size(); ++i) {
      if (slow[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        if (slow[i].fd >= 0) {
          ::close(slow[i].fd);
        }
        open(slow[i]);
        ++reopened;
      }
    }
    if (now >= next_probe) {
      for (const char* path : {"/healthz", "/readyz"}) {
        const double ms = probe(o.port, path);
        if (ms < 0) {
          ++failures;
        } else {
          latencies.push_back(ms);
        }
      }
      next_probe = now + std::chrono::milliseconds(o.probe_ms);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto held =
      std::count_if(slow.begin(), slow.end(), [](const Slow& s) { return s.fd >= 0; });
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies.empty()
               ? 0.0
               : latencies[static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1))];
  };
  std::printf(
      "slow_connections=%d held_at_end=%ld reopened=%ld refused=%ld probes=%zu probe_failures=%ld "
      "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
      o.slow, static_cast<long>(held), reopened, refused, latencies.size(), failures, at(0.5),
      at(0.99), latencies.empty() ? 0.0 : latencies.back());
  for (auto& s : slow) {
    if (s.fd >= 0) {
      ::close(s.fd);
    }
  }
  return 0;
}
