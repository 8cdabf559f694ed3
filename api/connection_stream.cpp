#include "api/connection_stream.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "api/connection_io.h"

namespace mcu::api {

ConnectionStream::ConnectionStream(HttpConnection& conn, std::size_t request_size,
                                   std::chrono::milliseconds write_timeout)
    : conn_(conn), size_(request_size), write_timeout_(write_timeout) {}

bool ConnectionStream::waitWritable(std::chrono::milliseconds timeout) const {
  pollfd p{conn_.fd, POLLOUT, 0};
  int r = 0;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
}

bool ConnectionStream::is_writable() const { return waitWritable(write_timeout_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  const std::size_t n = std::min(size, size_ - read_);
  std::memcpy(ptr, conn_.buffer.data() + read_, n);
  read_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  // The socket is non-blocking (the gate's); a client that stops reading gets the write
  // timeout, then the connection is dropped.
  return writeAll(conn_, ptr, size, write_timeout_) ? static_cast<ssize_t>(size) : -1;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.peer_ip;
  port = conn_.peer_port;
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.local_ip;
  port = conn_.local_port;
}

}  // namespace mcu::api
