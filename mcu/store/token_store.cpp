#include "mcu/store/token_store.h"

#include "mcu/common/secret.h"
#include "mcu/store/db_request.h"
#include "mcu/store/embedded_migrations.h"
#include "mcu/store/pg_migrator.h"

namespace mcu::store {
namespace {

// Tokens say what they are, so a leaked one is recognisable in a scanner or a log.
constexpr std::string_view kTokenPrefix = "mcu_";

// A migrated connection for the command line, or the problem.
Result<std::unique_ptr<pqxx::connection>> openMigrated(const std::string& url) {
  try {
    auto conn = std::make_unique<pqxx::connection>(url);
    auto migrations = loadMigrations(embeddedMigrationSources());
    if (!migrations) {
      return Error{migrations.error()};
    }
    auto outcome = applyMigrations(*conn, *migrations);
    if (!outcome) {
      return Error{outcome.error()};
    }
    return conn;
  } catch (const std::exception& e) {
    return Error{std::string("database: ") + e.what()};
  }
}

std::string columns() {
  return std::string("id, name, role, to_char(created_at AT TIME ZONE 'UTC', ") + kIsoFormat +
         "), coalesce(to_char(last_used_at AT TIME ZONE 'UTC', " + kIsoFormat +
         "), ''), revoked_at IS NOT NULL";
}

TokenInfo fromRow(const pqxx::row& r) {
  return {r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
          r[3].as<std::string>(),  r[4].as<std::string>(), r[5].as<bool>()};
}

CreatedToken insertToken(pqxx::work& txn, const std::string& role, const std::string& name) {
  const std::string token = std::string(kTokenPrefix) + secret::randomHex(24);
  const auto rows = txn.exec_params(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ($1, $2, $3) RETURNING " + columns(),
      name, role, secret::sha256Hex(token));
  return {token, fromRow(rows[0])};
}

}  // namespace

DbResult<std::string> TokenStore::roleOf(const std::string& token_hash) {
  auto role = requestFromDb<std::optional<std::string>>(
      worker_, "check token",
      [token_hash](DbSession& s) -> std::optional<std::string> {
        pqxx::work txn(s.connection());
        const auto rows = txn.exec_params(
            "SELECT role, last_used_at IS NULL OR last_used_at < now() - interval '1 minute'"
            " FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            token_hash);
        if (rows.empty()) {
          return std::nullopt;
        }
        // last_used_at is written at most once a minute per token: a read stays a read.
        if (rows[0][1].as<bool>()) {
          txn.exec_params("UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1",
                          token_hash);
        }
        txn.commit();
        return rows[0][0].as<std::string>();
      },
      timeout_);
  return resultOf(std::move(role), DbOutcome::kNotFound);
}

Result<CreatedToken> createToken(const std::string& url, const std::string& role,
                                 const std::string& name) {
  if (role != "admin" && role != "viewer") {
    return Error{"role must be admin or viewer, not '" + role + "'"};
  }
  if (name.empty() || name.size() > 64) {
    return Error{std::string("name must be 1 to 64 characters")};
  }
  auto conn = openMigrated(url);
  if (!conn) {
    return Error{conn.error()};
  }
  try {
    pqxx::work txn(**conn);
    auto created = insertToken(txn, role, name);
    txn.commit();
    return created;
  } catch (const pqxx::unique_violation&) {
    return Error{"a live token named '" + name + "' exists already"};
  } catch (const std::exception& e) {
    return Error{std::string("database: ") + e.what()};
  }
}

Result<std::optional<CreatedToken>> bootstrapToken(const std::string& url,
                                                   const std::string& name) {
  auto conn = openMigrated(url);
  if (!conn) {
    return Error{conn.error()};
  }
  try {
    pqxx::work txn(**conn);
    // Two first runs at once must not both create one.
    txn.exec("LOCK TABLE api_tokens IN SHARE ROW EXCLUSIVE MODE");
    if (!txn.exec("SELECT 1 FROM api_tokens WHERE revoked_at IS NULL LIMIT 1").empty()) {
      return std::optional<CreatedToken>{};
    }
    auto created = insertToken(txn, "admin", name);
    txn.commit();
    return std::optional<CreatedToken>{std::move(created)};
  } catch (const std::exception& e) {
    return Error{std::string("database: ") + e.what()};
  }
}

Result<std::vector<TokenInfo>> listTokens(const std::string& url) {
  auto conn = openMigrated(url);
  if (!conn) {
    return Error{conn.error()};
  }
  try {
    pqxx::read_transaction txn(**conn);
    std::vector<TokenInfo> tokens;
    for (const auto& r : txn.exec("SELECT " + columns() + " FROM api_tokens ORDER BY id")) {
      tokens.push_back(fromRow(r));
    }
    return tokens;
  } catch (const std::exception& e) {
    return Error{std::string("database: ") + e.what()};
  }
}

Result<void> revokeToken(const std::string& url, const std::string& name_or_id) {
  auto conn = openMigrated(url);
  if (!conn) {
    return Error{conn.error()};
  }
  try {
    pqxx::work txn(**conn);
    const auto rows = txn.exec_params(
        "UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL"
        " AND (name = $1 OR id::text = $1) RETURNING id",
        name_or_id);
    txn.commit();
    if (rows.empty()) {
      return Error{"no live token named '" + name_or_id + "'"};
    }
    return {};
  } catch (const std::exception& e) {
    return Error{std::string("database: ") + e.what()};
  }
}

}  // namespace mcu::store
