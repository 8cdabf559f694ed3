// cpp-httplib's view of one request the gate has buffered whole: reads come from memory (so
// parsing never waits on the client), writes go to the socket with a deadline.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>

#include "api/http_connection.h"

namespace mcu::api {

class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(HttpConnection& conn, std::size_t request_size,
                   std::chrono::milliseconds write_timeout);

  bool is_readable() const override { return read_ < size_; }
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return conn_.fd; }

 private:
  bool waitWritable(std::chrono::milliseconds timeout) const;

  HttpConnection& conn_;
  std::size_t size_;
  std::size_t read_ = 0;
  std::chrono::milliseconds write_timeout_;
};

}  // namespace mcu::api
