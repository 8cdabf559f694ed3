#include "mcu/app/service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

#include "mcu/common/log.h"

namespace mcu::app {
namespace {

constexpr const char* kComponent = "service";

std::string environment(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

ServiceNotifier::ServiceNotifier(std::string socket,
                                 std::optional<std::chrono::microseconds> watchdog)
    : socket_(std::move(socket)), watchdog_(watchdog) {}

ServiceNotifier ServiceNotifier::fromEnvironment() {
  std::optional<std::chrono::microseconds> watchdog;
  const std::string usec = environment("WATCHDOG_USEC");
  const std::string pid = environment("WATCHDOG_PID");
  if (!usec.empty() && (pid.empty() || pid == std::to_string(::getpid()))) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(usec.c_str(), &end, 10);
    if (end != nullptr && *end == '\0' && value > 0) {
      watchdog = std::chrono::microseconds(static_cast<std::int64_t>(value));
    }
  }
  return {environment("NOTIFY_SOCKET"), watchdog};
}

std::optional<std::chrono::microseconds> ServiceNotifier::pingInterval() const {
  if (!enabled() || !watchdog_) {
    return std::nullopt;
  }
  return *watchdog_ / 2;
}

void ServiceNotifier::ready(std::string_view status) const {
  std::string state = "READY=1\nSTATUS=";
  state += status;
  if (send(state)) {
    log::info(kComponent, "notified_ready");
  }
}

void ServiceNotifier::stopping() const { send("STOPPING=1\nSTATUS=shutting down"); }

void ServiceNotifier::watchdog() const { send("WATCHDOG=1"); }

bool ServiceNotifier::send(std::string_view state) const {
  if (!enabled()) {
    return false;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof(address.sun_path) || (socket_[0] != '/' && socket_[0] != '@')) {
    log::warn(kComponent, "notify_socket_invalid").kv("socket", socket_);
    return false;
  }
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  if (socket_[0] == '@') {
    address.sun_path[0] = '\0';  // the abstract namespace
  }
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const auto sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&address), length);
  const int error = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    log::warn(kComponent, "notify_failed")
        .kv("socket", socket_)
        .kv("error", std::error_code(error, std::generic_category()).message());
    return false;
  }
  return true;
}

}  // namespace mcu::app
