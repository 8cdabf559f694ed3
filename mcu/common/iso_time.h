// RFC 3339 UTC time with milliseconds ("2026-12-02T12:00:00.123Z"): how logs, events and REST
// write an instant.
#pragma once

#include <chrono>
#include <string>

namespace mcu {

std::string isoUtcMillis(std::chrono::system_clock::time_point t);

}  // namespace mcu
