// libFuzzer target: the HTTP gate's request framing (where one request ends in what a client
// sent), with small limits so that the refusals are reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/request_framing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const mcu::api::FramingLimits limits :
       {mcu::api::FramingLimits{}, mcu::api::FramingLimits{.max_head = 64, .max_body = 16}}) {
    const auto framing = mcu::api::frameRequest(bytes, limits);
    if (framing.state == mcu::api::RequestFraming::State::kComplete && framing.size > size) {
      __builtin_trap();  // a request cannot be longer than the bytes it was found in
    }
  }
  return 0;
}
