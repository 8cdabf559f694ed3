// The declaration of every configuration option: its TOML key, environment variable, flag, help
// text and default, and how a text value is parsed into Config.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mcu/config/config.h"

namespace mcu::config {

enum class ValueType { kString, kInteger, kBoolean, kTable };

struct OptionSpec {
  std::string_view key;   // TOML dotted key, e.g. "sip.listen"
  std::string_view env;   // environment variable, e.g. "MCU_SIP_LISTEN"
  std::string_view flag;  // long flag, e.g. "--sip-listen"
  ValueType type;
  std::string_view default_text;
  std::string_view help;
  // Parses the textual value into the config; returns the problem, if any.
  std::function<std::optional<std::string>(std::string_view, Config&)> apply;
};

std::span<const OptionSpec> optionSpecs();
const OptionSpec* findOption(std::string_view key);

}  // namespace mcu::config
