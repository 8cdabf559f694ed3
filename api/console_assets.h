// The web console's files, compiled into the binary (cmake/embed_console.cmake).
#pragma once

#include <span>
#include <string_view>

namespace mcu::api {

struct ConsoleAsset {
  std::string_view name;  // its file name under api/console/
  std::string_view content_type;
  std::string_view body;
};

std::span<const ConsoleAsset> consoleAssets();

}  // namespace mcu::api
