#include "mcu/app/token_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "mcu/store/token_store.h"

namespace mcu::app {
namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

void printCreated(const store::CreatedToken& created, const std::string& http) {
  std::cout << "token " << created.info.name << " (" << created.info.role
            << ") created; it is shown only now:\n\n  " << created.token << "\n\n"
            << "try it:\n  curl -H 'Authorization: Bearer " << created.token << "' http://" << http
            << "/v1/rooms\n";
}

}  // namespace

int runTokenCommand(int argc, char** argv) {
  CLI::App app{"Manage REST API tokens (stored as SHA-256 hashes in PostgreSQL)", "mcu token"};
  std::string url = envOr("MCU_DATABASE_URL", envOr("DATABASE_URL", ""));
  std::string http = envOr("MCU_HTTP_LISTEN", "127.0.0.1:8080");
  app.add_option("--database-url", url, "libpq URI (default: $MCU_DATABASE_URL, $DATABASE_URL)");
  app.require_subcommand(1);
  app.fallthrough();  // --database-url may come after the verb
  std::string role = "viewer";
  std::string name;
  auto* create = app.add_subcommand("create", "create a token and print it once");
  create->add_option("--role", role, "admin (reads and writes) or viewer (reads)")
      ->check(CLI::IsMember({"admin", "viewer"}));
  create->add_option("--name", name, "a name to know it by (unique among live tokens)")->required();
  app.add_subcommand("list", "list tokens (never their secrets)");
  std::string which;
  auto* revoke = app.add_subcommand("revoke", "revoke a token by name or id");
  revoke->add_option("token", which, "name or id")->required();
  std::string bootstrap_name = "first-admin";
  auto* bootstrap =
      app.add_subcommand("bootstrap", "create an admin token only if no live token exists");
  bootstrap->add_option("--name", bootstrap_name, "its name");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (url.empty()) {
    std::cerr << "mcu token: no database: give --database-url or set DATABASE_URL\n";
    return 2;
  }
  if (create->parsed()) {
    auto created = store::createToken(url, role, name);
    if (!created) {
      std::cerr << "mcu token create: " << created.error() << "\n";
      return 1;
    }
    printCreated(*created, http);
    return 0;
  }
  if (bootstrap->parsed()) {
    auto created = store::bootstrapToken(url, bootstrap_name);
    if (!created) {
      std::cerr << "mcu token bootstrap: " << created.error() << "\n";
      return 1;
    }
    if (const auto& token = *created) {
      printCreated(*token, http);
    }
    return 0;
  }
  if (revoke->parsed()) {
    if (auto revoked = store::revokeToken(url, which); !revoked) {
      std::cerr << "mcu token revoke: " << revoked.error() << "\n";
      return 1;
    }
    std::cout << "revoked " << which << "\n";
    return 0;
  }
  auto tokens = store::listTokens(url);
  if (!tokens) {
    std::cerr << "mcu token list: " << tokens.error() << "\n";
    return 1;
  }
  std::printf("%-6s %-24s %-7s %-25s %-25s %s\n", "ID", "NAME", "ROLE", "CREATED", "LAST USED",
              "STATE");
  for (const auto& t : *tokens) {
    std::printf("%-6lld %-24s %-7s %-25s %-25s %s\n", static_cast<long long>(t.id), t.name.c_str(),
                t.role.c_str(), t.created_at.c_str(),
                t.last_used_at.empty() ? "-" : t.last_used_at.c_str(),
                t.revoked ? "revoked" : "live");
  }
  return 0;
}

}  // namespace mcu::app
