// The `mcu` command line: flags for every configuration option (generated from the option
// table, so --help documents them all), plus --config.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "mcu/config/config.h"

namespace mcu::config {

struct ParsedCommandLine {
  FlagValues flags;
};

// Either the parsed flags, or an exit: the text to print (help or an error) and the exit code.
struct CommandLineExit {
  std::string text;
  int code;
};

// "mcu 0.1.0 (commit 0123456789ab, Release build)": what --version prints.
std::string versionText();

std::variant<ParsedCommandLine, CommandLineExit> parseCommandLine(int argc,
                                                                  const char* const* argv);

}  // namespace mcu::config
