// `mcu token create|list|revoke|bootstrap`: API tokens managed from the command line, straight
// against the database (the server need not run). A token is printed once, at creation.
#pragma once

namespace mcu::app {

// argv[0] is "token". Returns the process exit code (0, 1 on failure, 2 on bad usage).
int runTokenCommand(int argc, char** argv);

}  // namespace mcu::app
