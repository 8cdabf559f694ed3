// mcu: parse the command line and configuration, then run the server.
// Exit codes: 0 clean shutdown, 1 runtime failure, 2 bad command line or configuration.
#include <cstdio>
#include <exception>
#include <string_view>
#include <variant>

#include "mcu/app/server.h"
#include "mcu/app/token_command.h"
#include "mcu/common/log.h"
#include "mcu/config/command_line.h"
#include "mcu/config/config.h"

namespace {

int runMain(int argc, char** argv) {
  using namespace mcu;
  if (argc >= 2 && std::string_view(argv[1]) == "token") {
    return app::runTokenCommand(argc - 1, argv + 1);
  }
  auto parsed = config::parseCommandLine(argc, argv);
  if (auto* exit = std::get_if<config::CommandLineExit>(&parsed)) {
    std::fputs(exit->text.c_str(), exit->code == 0 ? stdout : stderr);
    return exit->code;
  }
  auto loaded =
      config::load(std::get<config::ParsedCommandLine>(parsed).flags, config::processEnvironment());
  if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
    log::error("config", "config_invalid")
        .kv("key", err->key)
        .kv("source", err->source)
        .kv("problem", err->problem);
    return 2;
  }
  auto& cfg = std::get<config::Config>(loaded);
  log::configure(cfg.log_level, cfg.log_components);
  return app::Server(std::move(cfg)).run();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::exception& e) {
    // Nothing should get here; if it does, say what it was rather than terminate silently.
    mcu::log::error("server", "fatal_exception").kv("what", e.what());
    return 1;
  }
}
