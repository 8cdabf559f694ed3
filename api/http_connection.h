// One accepted HTTP connection as the gate and the workers pass it between them: the socket,
// who is on the other end, and the bytes read but not yet served. Only one thread holds it at
// a time (the gate while a request arrives, a worker while it is answered).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

struct ssl_st;

namespace mcu::api {

struct HttpConnection {
  int fd = -1;
  ssl_st* tls = nullptr;        // HTTPS: the session over fd
  bool handshake_done = false;  // HTTPS: requests may be read
  std::string peer_ip;
  int peer_port = 0;
  std::string local_ip;
  int local_port = 0;
  std::string buffer;          // read, not yet served; may hold the start of the next request
  std::size_t served = 0;      // requests answered on this connection
  bool continue_sent = false;  // "100 Continue" already sent for the request being read
  std::chrono::steady_clock::time_point deadline;  // closed by the gate when passed
};

}  // namespace mcu::api
