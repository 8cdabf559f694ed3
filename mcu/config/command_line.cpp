#include "mcu/config/command_line.h"

#include <CLI/CLI.hpp>
#include <map>
#include <sstream>

#include "mcu/common/build_info.h"
#include "mcu/config/config_schema.h"

namespace mcu::config {

std::string versionText() {
  const BuildInfo& b = buildInfo();
  std::ostringstream text;
  text << "mcu " << b.version << " (commit " << b.commit << ", " << b.build_type << " build)";
  return text.str();
}

std::variant<ParsedCommandLine, CommandLineExit> parseCommandLine(int argc,
                                                                  const char* const* argv) {
  CLI::App app{
      "mcu: a SIP audio conference server.\n"
      "Precedence: defaults < TOML file (--config or MCU_CONFIG) < environment < flags.\n"
      "Each option below names its TOML key and environment variable.",
      "mcu"};
  app.set_version_flag(
      "-V,--version", [] { return versionText(); },
      "Print the version, commit and build type, then exit");
  std::string config_file;
  app.add_option("-c,--config", config_file, "TOML configuration file [env: MCU_CONFIG]");
  std::map<std::string, std::string> values;
  for (const auto& spec : optionSpecs()) {
    std::ostringstream help;
    help << spec.help << " [toml: " << spec.key << "; env: " << spec.env;
    if (!spec.default_text.empty()) {
      help << "; default: " << spec.default_text;
    }
    help << "]";
    app.add_option(std::string(spec.flag), values[std::string(spec.key)], help.str());
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return CommandLineExit{app.help(), 0};
  } catch (const CLI::CallForVersion& v) {
    return CommandLineExit{std::string(v.what()) + "\n", 0};
  } catch (const CLI::ParseError& e) {
    return CommandLineExit{"mcu: " + std::string(e.what()) + "\n", 2};
  }
  ParsedCommandLine parsed;
  if (!config_file.empty()) {
    parsed.flags.config_file = config_file;
  }
  for (const auto& spec : optionSpecs()) {
    if (app.get_option(std::string(spec.flag))->count() > 0) {
      parsed.flags.by_key[std::string(spec.key)] = values[std::string(spec.key)];
    }
  }
  return parsed;
}

}  // namespace mcu::config
