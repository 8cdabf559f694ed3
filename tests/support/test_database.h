// A fresh, empty PostgreSQL database per test, on the server the test command started
// (MCU_TEST_DATABASE_URL), dropped afterwards. A missing URL fails the test loudly.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace mcu::test {

class TestDatabase {
 public:
  TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // The database's URL with host:port replaced, e.g. to go through a TcpRelay.
  std::string urlThroughPort(std::uint16_t port) const;
  // The port of the server it is on (what a TcpRelay forwards to).
  std::uint16_t port() const;
  // Runs one statement and returns the first column of the first row ("" if none).
  std::string scalar(const std::string& sql) const;
  void exec(const std::string& sql) const;

  // Polls `sql` until its value is `expected` (or, with no expectation, not empty), for at most
  // `timeout`; returns the last value. For rows written by the server's database thread.
  std::string awaitScalar(const std::string& sql, const std::string& expected = "",
                          std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

  static std::string adminUrl();  // empty when MCU_TEST_DATABASE_URL is not set

 private:
  std::string name_;
  std::string url_;
};

}  // namespace mcu::test
