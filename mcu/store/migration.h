// Numbered, forward-only schema migrations and the decision of which to apply.
// Pure: no database here (pg_migrator.cpp applies the plan), so ordering and refusal rules are
// unit-tested without PostgreSQL.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mcu/common/result.h"
#include "mcu/store/embedded_migrations.h"

namespace mcu::store {

struct Migration {
  int version = 0;
  std::string name;  // "initial", from "0001_initial.sql"
  std::string sql;
  std::string checksum;  // of the SQL text, to notice a migration edited after it was applied
};

struct AppliedMigration {
  int version = 0;
  std::string checksum;
};

// "0001_initial.sql" -> version 1, name "initial"; anything else -> the problem.
Result<Migration> parseMigrationFileName(std::string_view file_name);

// Parses, orders and checks a set: versions must be unique and contiguous from 1.
Result<std::vector<Migration>> loadMigrations(std::span<const MigrationSource> sources);

// What to apply, in order, given what the database already has. Refuses (returns the reason)
// when the database has a version this binary does not know, or a known one with another text.
Result<std::vector<const Migration*>> planMigrations(std::span<const Migration> known,
                                                     std::span<const AppliedMigration> applied);

std::string checksumOf(std::string_view text);

}  // namespace mcu::store
