// Starts the real `mcu` binary for a test: its own database, free SIP and HTTP ports on
// 127.0.0.1, output captured to a file, killed by PID when the test ends.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/test_database.h"

namespace mcu::test {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string content_type;
};

class ServerProcess {
 public:
  // Starts mcu with `database_url` (the fixture's own database when empty) and extra env.
  explicit ServerProcess(std::string database_url,
                         std::map<std::string, std::string> extra_env = {});
  // When the test has failed, prints the end of the server's output (a crash's report among
  // it): the file itself is removed with the process.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::uint16_t sipPort() const { return sip_port_; }
  std::uint16_t httpPort() const { return http_port_; }
  ChildProcess& process() { return *process_; }
  HttpReply get(const std::string& path) const;

 private:
  std::uint16_t sip_port_;
  std::uint16_t http_port_;
  std::unique_ptr<ChildProcess> process_;
};

// A SIP request over UDP or TCP to the server, as text with CRLF line ends; the fields in
// braces ({port}, {transport}, {branch}, {callid}) are filled in.
std::string sipRequest(const std::string& templ, std::uint16_t local_port,
                       const std::string& transport);
std::string optionsRequest(std::uint16_t local_port, const std::string& transport);

// The value of the first header `name` in a SIP message ("" if absent), and how many there are.
std::string headerValue(const std::string& message, const std::string& name);
int headerCount(const std::string& message, const std::string& name);
std::string statusLine(const std::string& message);
// The status line of the last response in a stream ("SIP/2.0 480 ..."), or "" if none.
std::string finalStatus(const std::string& stream);
// The message in a stream that starts with `status_prefix` ("SIP/2.0 503"), or "".
std::string responseWithStatus(const std::string& stream, const std::string& status_prefix);

}  // namespace mcu::test
