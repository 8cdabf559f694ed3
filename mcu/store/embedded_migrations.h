// The SQL migrations compiled into this binary (generated from migrations/*.sql at build time).
#pragma once

#include <span>

namespace mcu::store {

struct MigrationSource {
  const char* file_name;  // "0001_initial.sql"
  const char* sql;
};

std::span<const MigrationSource> embeddedMigrationSources();

}  // namespace mcu::store
