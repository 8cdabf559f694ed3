// What an API token may do: a viewer reads, an admin also acts.
#pragma once

#include <string_view>

namespace mcu::api {

enum class Role { kViewer, kAdmin };

constexpr std::string_view roleText(Role role) { return role == Role::kAdmin ? "admin" : "viewer"; }

}  // namespace mcu::api
