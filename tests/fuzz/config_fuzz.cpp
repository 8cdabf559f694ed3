// libFuzzer target: the TOML configuration file (toml++ and our schema checks): whatever the
// file holds, start-up ends in a Config or a ConfigError naming a key, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "mcu/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // tmpfs: a file on disk made the kernel's writeback most of the cost of each run.
  static const std::string path =
      "/dev/shm/mcu-config-fuzz-" + std::to_string(::getpid()) + ".toml";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  mcu::config::load({.config_file = path, .by_key = {}},
                    {{"DATABASE_URL", "postgresql://mcu@127.0.0.1/mcu"}});
  return 0;
}
