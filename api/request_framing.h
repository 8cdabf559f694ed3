// Where one HTTP/1.1 request ends in the bytes read so far (RFC 9112 §6): the connection gate
// uses it to hand a worker a request only once all of it has arrived, so a client that sends
// slowly holds a buffer, never a thread. Pure; the full parsing stays with cpp-httplib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcu::api {

struct RequestFraming {
  enum class State { kNeedMore, kComplete, kRejected };
  State state = State::kNeedMore;
  std::size_t size = 0;           // kComplete: bytes of the request, head and body
  std::string path;               // kComplete: the request target without its query
  int status = 0;                 // kRejected: the status to answer with before closing
  std::string detail;             // kRejected: why
  bool head_complete = false;     // kNeedMore: the headers are in, the body is not
  bool expects_continue = false;  // the client waits for "100 Continue" before its body
};

struct FramingLimits {
  std::size_t max_head = std::size_t{16} * 1024;  // request line and headers
  std::size_t max_body = std::size_t{64} * 1024;
};

RequestFraming frameRequest(std::string_view bytes, const FramingLimits& limits);

}  // namespace mcu::api
