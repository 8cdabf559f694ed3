#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

namespace mcu::test {
namespace {

std::string replaceDatabase(const std::string& url, const std::string& name) {
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

}  // namespace

std::string TestDatabase::adminUrl() {
  const char* url = std::getenv("MCU_TEST_DATABASE_URL");
  return url != nullptr ? url : "";
}

TestDatabase::TestDatabase() {
  const std::string admin = adminUrl();
  if (admin.empty()) {
    throw std::runtime_error(
        "MCU_TEST_DATABASE_URL is not set: run the tests with `deploy/local test`, which starts "
        "a PostgreSQL for them");
  }
  static std::atomic<int> counter{0};
  name_ = "mcu_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  pqxx::connection conn(admin);
  pqxx::nontransaction txn(conn);
  txn.exec("DROP DATABASE IF EXISTS " + name_);
  txn.exec("CREATE DATABASE " + name_);
  url_ = replaceDatabase(admin, name_);
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection conn(adminUrl());
    pqxx::nontransaction txn(conn);
    txn.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away at the end of the run anyway.
  }
}

std::uint16_t TestDatabase::port() const {
  const auto at = url_.find('@');
  return static_cast<std::uint16_t>(std::stoi(url_.substr(url_.find(':', at) + 1)));
}

std::string TestDatabase::urlThroughPort(std::uint16_t port) const {
  const auto at = url_.find('@');
  const auto slash = url_.find('/', at);
  return url_.substr(0, at + 1) + "127.0.0.1:" + std::to_string(port) + url_.substr(slash);
}

std::string TestDatabase::awaitScalar(const std::string& sql, const std::string& expected,
                                      std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::string value = scalar(sql);
  while ((expected.empty() ? value.empty() : value != expected) &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    value = scalar(sql);
  }
  return value;
}

std::string TestDatabase::scalar(const std::string& sql) const {
  pqxx::connection conn(url_);
  pqxx::nontransaction txn(conn);
  const auto result = txn.exec(sql);
  return result.empty() || result[0][0].is_null() ? "" : result[0][0].as<std::string>();
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection conn(url_);
  pqxx::nontransaction txn(conn);
  txn.exec(sql);
}

}  // namespace mcu::test
