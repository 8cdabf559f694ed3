// What this binary is: its version (the project's, CMakeLists.txt), the commit it was built
// from ("-dirty" with uncommitted changes, "unknown" outside a git checkout) and its build
// type. Shown by `mcu --version`, GET /v1/version and the mcu_build_info metric, so an
// operator can tell which build answers without shell access to the machine.
#pragma once

#include <string_view>

namespace mcu {

struct BuildInfo {
  std::string_view version;
  std::string_view commit;
  std::string_view build_type;
};

const BuildInfo& buildInfo();

}  // namespace mcu
