#include "tests/integration/server_fixture.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <sstream>

#include "tests/support/net.h"

namespace mcu::test {

ServerProcess::ServerProcess(std::string database_url, std::map<std::string, std::string> extra_env)
    : sip_port_(freeUdpTcpPort()), http_port_(freeUdpTcpPort()) {
  std::map<std::string, std::string> env{
      {"DATABASE_URL", std::move(database_url)},
      {"MCU_SIP_LISTEN", "127.0.0.1:" + std::to_string(sip_port_)},
      {"MCU_HTTP_LISTEN", "127.0.0.1:" + std::to_string(http_port_)},
      {"MCU_DATABASE_RETRY_MAX_S", "1"},
      // Tones rather than the voice, as the tests listening for tones were written for; the
      // voice is tested where it is asked for (SipPlaybackTest), and packaged by default.
      {"MCU_PROMPTS_SPOKEN", "false"},
  };
  for (auto& [k, v] : extra_env) {
    env[k] = v;
  }
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{MCU_BINARY}, env,
                                            tempPath("mcu-server"));
}

ServerProcess::~ServerProcess() {
  if (!::testing::Test::HasFailure()) {
    return;
  }
  const bool running = process_->running();
  const std::string out = process_->output();
  constexpr std::size_t kTail = 6000;
  std::cerr << "--- the server (" << (running ? "still running" : "exited") << "), last "
            << std::min(out.size(), kTail) << " bytes of its output ---\n"
            << out.substr(out.size() > kTail ? out.size() - kTail : 0) << "--- end ---\n";
}

bool ServerProcess::waitReady(std::chrono::milliseconds timeout) {
  return process_->waitForOutput("event=ready", timeout);
}

HttpReply ServerProcess::get(const std::string& path) const {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Get(path);
  if (!res) {
    return {};
  }
  return {res->status, res->body, res->get_header_value("Content-Type")};
}

std::string sipRequest(const std::string& templ, std::uint16_t local_port,
                       const std::string& transport) {
  static std::atomic<int> counter{0};
  const std::string id = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  std::string out;
  std::istringstream lines(templ);
  std::string line;
  while (std::getline(lines, line)) {
    out += line + "\r\n";
  }
  const std::map<std::string, std::string> fields{{"{port}", std::to_string(local_port)},
                                                  {"{transport}", transport},
                                                  {"{branch}", "z9hG4bK-" + id},
                                                  {"{callid}", "test-" + id}};
  for (const auto& [key, value] : fields) {
    for (auto pos = out.find(key); pos != std::string::npos; pos = out.find(key, pos)) {
      out.replace(pos, key.size(), value);
    }
  }
  return out;
}

std::string optionsRequest(std::uint16_t local_port, const std::string& transport) {
  return sipRequest(
      "OPTIONS sip:conference@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/{transport} 127.0.0.1:{port};rport;branch={branch}\n"
      "Max-Forwards: 70\n"
      "From: <sip:probe@127.0.0.1>;tag=probe1\n"
      "To: <sip:conference@127.0.0.1>\n"
      "Call-ID: {callid}\n"
      "CSeq: 1 OPTIONS\n"
      "Content-Length: 0\n"
      "\n",
      local_port, transport);
}

std::string headerValue(const std::string& message, const std::string& name) {
  std::istringstream lines(message);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty()) {
      break;
    }
    const auto colon = line.find(':');
    if (colon != std::string::npos &&
        strcasecmp(line.substr(0, colon).c_str(), name.c_str()) == 0) {
      const auto start = line.find_first_not_of(' ', colon + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

int headerCount(const std::string& message, const std::string& name) {
  int count = 0;
  std::istringstream lines(message);
  std::string line;
  while (std::getline(lines, line) && line != "\r" && !line.empty()) {
    const auto colon = line.find(':');
    if (colon != std::string::npos &&
        strcasecmp(line.substr(0, colon).c_str(), name.c_str()) == 0) {
      ++count;
    }
  }
  return count;
}

std::string statusLine(const std::string& message) {
  const auto end = message.find("\r\n");
  return message.substr(0, end);
}

std::string finalStatus(const std::string& stream) {
  const auto pos = stream.rfind("SIP/2.0 ");
  return pos == std::string::npos ? "" : stream.substr(pos, stream.find("\r\n", pos) - pos);
}

std::string responseWithStatus(const std::string& stream, const std::string& status_prefix) {
  const auto pos = stream.find(status_prefix);
  return pos == std::string::npos ? "" : stream.substr(pos);
}

}  // namespace mcu::test
