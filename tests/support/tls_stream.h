// A TLS client connection carrying SIP messages (RFC 3261 §18.3 framing by Content-Length),
// for tests that dial the server as a sips: phone would. OpenSSL stays inside the .cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mcu::test {

class TlsStream {
 public:
  // Connects to 127.0.0.1:`port` and completes a handshake that verifies the server's
  // certificate against `ca_file`; nullptr (with `error` set) when it cannot.
  static std::unique_ptr<TlsStream> connect(std::uint16_t port, const std::string& ca_file,
                                            std::string& error);
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  ~TlsStream();

  bool write(const std::string& message);
  // The next whole SIP message, or nullopt after `timeout`.
  std::optional<std::string> readMessage(std::chrono::milliseconds timeout);
  std::uint16_t localPort() const { return local_port_; }

 private:
  struct Impl;
  explicit TlsStream(std::unique_ptr<Impl> impl, std::uint16_t local_port);
  std::unique_ptr<Impl> impl_;
  std::uint16_t local_port_;
  std::string pending_;  // bytes read past the last whole message
};

}  // namespace mcu::test
