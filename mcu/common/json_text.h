// JSON as text that never throws. Strings reach our JSON from the network (SIP display names,
// URIs, URL paths); one that is not UTF-8 must become U+FFFD in the output, not an exception
// in an HTTP handler or on the control thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mcu {

inline std::string jsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mcu
