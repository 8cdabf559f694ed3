// libFuzzer target: REST request bodies (the JSON object every POST/PATCH is parsed into).
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/json_body.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  mcu::api::parseObject(body);
  mcu::api::singleStringField(body, "uri", 256, "a SIP URI");
  return 0;
}
