#include "api/connection_io.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace mcu::api {
namespace {

bool waitFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int r = 0;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0 && (p.revents & (POLLERR | POLLNVAL)) == 0;
}

}  // namespace

bool advanceHandshake(HttpConnection& conn, bool& failed) {
  failed = false;
  if (conn.tls == nullptr || conn.handshake_done) {
    return true;
  }
  const int r = SSL_do_handshake(conn.tls);
  if (r == 1) {
    conn.handshake_done = true;
    return true;
  }
  const int error = SSL_get_error(conn.tls, r);
  // WANT_WRITE cannot really happen on a fresh socket's empty send buffer; if it does, the
  // next readable event or the request deadline deals with the connection.
  failed = error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
  return false;
}

IoResult readSome(HttpConnection& conn, char* into, std::size_t size) {
  if (conn.tls == nullptr) {
    for (;;) {
      const ssize_t n = ::recv(conn.fd, into, size, 0);
      if (n > 0) {
        return {IoState::kData, static_cast<std::size_t>(n)};
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      const bool would_block = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      return {would_block ? IoState::kWouldBlock : IoState::kClosed, 0};
    }
  }
  std::size_t got = 0;
  const int r = SSL_read_ex(conn.tls, into, size, &got);
  if (r == 1) {
    return {IoState::kData, got};
  }
  const int error = SSL_get_error(conn.tls, r);
  const bool would_block = error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
  return {would_block ? IoState::kWouldBlock : IoState::kClosed, 0};
}

bool writeAll(HttpConnection& conn, const char* data, std::size_t size,
              std::chrono::milliseconds timeout) {
  std::size_t done = 0;
  while (done < size) {
    if (conn.tls == nullptr) {
      const ssize_t n = ::send(conn.fd, data + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!waitFor(conn.fd, POLLOUT, timeout)) {
          return false;
        }
      } else {
        return false;
      }
      continue;
    }
    std::size_t wrote = 0;
    const int r = SSL_write_ex(conn.tls, data + done, size - done, &wrote);
    if (r == 1) {
      done += wrote;
      continue;
    }
    const int error = SSL_get_error(conn.tls, r);
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
      if (!waitFor(conn.fd, error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, timeout)) {
        return false;
      }
      continue;
    }
    return false;
  }
  return true;
}

bool hasBufferedInput(const HttpConnection& conn) {
  return conn.tls != nullptr && SSL_pending(conn.tls) > 0;
}

void closeConnection(HttpConnection& conn) {
  if (conn.tls != nullptr) {
    if (conn.handshake_done) {
      SSL_shutdown(conn.tls);  // our close_notify; we do not wait for theirs
    }
    SSL_free(conn.tls);
    conn.tls = nullptr;
  }
  if (conn.fd >= 0) {
    ::close(conn.fd);
    conn.fd = -1;
  }
}

}  // namespace mcu::api
