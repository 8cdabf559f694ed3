// Bytes in and out of an HTTP connection, in the clear or through its TLS session: the gate
// and the workers call these and never OpenSSL or recv/send directly.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

#include "api/http_connection.h"

namespace mcu::api {

enum class IoState { kData, kWouldBlock, kClosed };

struct IoResult {
  IoState state = IoState::kClosed;
  std::size_t bytes = 0;
};

// A TLS connection's handshake, advanced as far as the socket allows (true when done, or
// plain); `failed` when it cannot complete.
bool advanceHandshake(HttpConnection& conn, bool& failed);
// Non-blocking.
IoResult readSome(HttpConnection& conn, char* into, std::size_t size);
// All of it, waiting for the socket at most `timeout` each time it is full; false on failure.
bool writeAll(HttpConnection& conn, const char* data, std::size_t size,
              std::chrono::milliseconds timeout);
// Decrypted bytes held by the TLS session that the socket will not signal again.
bool hasBufferedInput(const HttpConnection& conn);
// Ends the TLS session (best effort) and closes the socket.
void closeConnection(HttpConnection& conn);

}  // namespace mcu::api
