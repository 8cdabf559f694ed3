// One PostgreSQL connection, owned by the database worker thread and lent to jobs.
#pragma once

#include <pqxx/pqxx>
#include <string>

namespace mcu::store {

class DbSession {
 public:
  explicit DbSession(const std::string& url) : conn_(url) {}
  pqxx::connection& connection() { return conn_; }

 private:
  pqxx::connection conn_;
};

}  // namespace mcu::store
