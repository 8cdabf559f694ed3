#include "mcu/sip/media_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace mcu::sip {

std::string localAddressToward(const std::string& remote) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* found = nullptr;
  if (getaddrinfo(remote.c_str(), "9", &hints, &found) != 0) {
    return "127.0.0.1";
  }
  std::string result = found->ai_family == AF_INET6 ? "::1" : "127.0.0.1";
  const int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  // connect() on UDP sends nothing: it only asks the kernel which source it would use.
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        ::getnameinfo(reinterpret_cast<sockaddr*>(&local), len, text.data(), text.size(), nullptr,
                      0, NI_NUMERICHOST) == 0) {
      result = text.data();
    }
  }
  if (fd >= 0) {
    ::close(fd);
  }
  freeaddrinfo(found);
  return result;
}

bool isWildcardHost(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::";
}

std::string MediaAddressConfig::addressToward(const std::string& remote) const {
  if (!advertised.empty()) {
    return advertised;
  }
  if (!isWildcardHost(bind)) {
    return bind;
  }
  return localAddressToward(remote);
}

MediaFamilies MediaAddressConfig::families() const {
  const bool v6 = bind.find(':') != std::string::npos;
  return {.ipv4 = !v6, .ipv6 = v6};
}

}  // namespace mcu::sip
