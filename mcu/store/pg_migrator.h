// Applies the embedded migrations to PostgreSQL: one transaction under an advisory lock, so two
// servers starting together serialise and the second finds nothing left to do.
#pragma once

#include <pqxx/pqxx>
#include <span>
#include <string>

#include "mcu/common/result.h"
#include "mcu/store/migration.h"

namespace mcu::store {

struct MigrationOutcome {
  int applied = 0;         // how many this call applied
  int schema_version = 0;  // the highest version present afterwards
};

// Throws pqxx exceptions for connection trouble (the caller retries); returns the refusal
// reason for a database this binary must not touch.
Result<MigrationOutcome> applyMigrations(pqxx::connection& conn, std::span<const Migration> known);

}  // namespace mcu::store
