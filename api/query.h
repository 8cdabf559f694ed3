// Reading a query string strictly, like a body: unknown parameters are 400, values out of
// their documented bounds 422, each naming the parameter.
#pragma once

#include <httplib.h>

#include <optional>
#include <set>
#include <string>

#include "api/problem.h"

namespace mcu::api {

class QueryReader {
 public:
  QueryReader(const httplib::Request& req, const std::set<std::string>& known);
  const std::optional<Problem>& problem() const { return problem_; }
  std::string string(const std::string& name, std::size_t max_length);
  int integer(const std::string& name, int min, int max, int fallback);
  std::optional<bool> boolean(const std::string& name);

 private:
  void fail(Problem problem);
  const httplib::Request& req_;
  std::optional<Problem> problem_;
};

}  // namespace mcu::api
