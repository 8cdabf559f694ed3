// API tokens (api_tokens table). The server checks a presented token through the database
// worker; the `mcu token` command manages them over a connection of its own. Only the SHA-256
// of a token is stored; the token itself is shown once, at creation.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mcu/common/result.h"
#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

class TokenStore {
 public:
  TokenStore(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}
  // The role ("admin" or "viewer") of the live token with this hash; kNotFound if none.
  DbResult<std::string> roleOf(const std::string& token_hash);

 private:
  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
};

struct TokenInfo {
  std::int64_t id = 0;
  std::string name;
  std::string role;
  std::string created_at;
  std::string last_used_at;  // "" if never
  bool revoked = false;
};

// For the `mcu token` command: a direct connection, migrations applied first. Each returns
// the problem as a string on failure.
struct CreatedToken {
  std::string token;  // the secret, shown once
  TokenInfo info;
};
Result<CreatedToken> createToken(const std::string& url, const std::string& role,
                                 const std::string& name);
// Creates an admin token named `name` only when no live token exists (first run).
Result<std::optional<CreatedToken>> bootstrapToken(const std::string& url, const std::string& name);
Result<std::vector<TokenInfo>> listTokens(const std::string& url);
// Revokes the live token with this name (or numeric id).
Result<void> revokeToken(const std::string& url, const std::string& name_or_id);

}  // namespace mcu::store
