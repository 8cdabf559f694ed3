#include "mcu/store/migration.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <map>

namespace mcu::store {

std::string checksumOf(std::string_view text) {
  // FNV-1a: this detects accidental edits; it is not a security boundary.
  std::uint64_t hash = 1469598103934665603ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(hash));
  return buf.data();
}

Result<Migration> parseMigrationFileName(std::string_view file_name) {
  const auto bad = [&](std::string_view why) {
    return Error{std::string(file_name) + ": " + std::string(why) + " (expected NNNN_name.sql)"};
  };
  if (!file_name.ends_with(".sql")) {
    return bad("not a .sql file");
  }
  const auto stem = file_name.substr(0, file_name.size() - 4);
  const auto underscore = stem.find('_');
  if (underscore != 4) {
    return bad("the version must be exactly four digits");
  }
  int version = 0;
  const auto digits = stem.substr(0, 4);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + 4, version);
  if (ec != std::errc() || ptr != digits.data() + 4 || version < 1) {
    return bad("the version must be a number from 0001");
  }
  const auto name = stem.substr(5);
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!name_ok) {
    return bad("the name must be lower-case letters, digits and _");
  }
  Migration m;
  m.version = version;
  m.name = std::string(name);
  return m;
}

Result<std::vector<Migration>> loadMigrations(std::span<const MigrationSource> sources) {
  std::vector<Migration> out;
  for (const auto& source : sources) {
    auto parsed = parseMigrationFileName(source.file_name);
    if (!parsed) {
      return Error{parsed.error()};
    }
    Migration m = std::move(*parsed);
    m.sql = source.sql;
    m.checksum = checksumOf(m.sql);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int expected = static_cast<int>(i) + 1;
    if (out[i].version != expected) {
      return Error{"migration versions must be unique and contiguous from 0001: expected " +
                   std::to_string(expected) + ", found " + std::to_string(out[i].version) + " (" +
                   out[i].name + ")"};
    }
  }
  return out;
}

Result<std::vector<const Migration*>> planMigrations(std::span<const Migration> known,
                                                     std::span<const AppliedMigration> applied) {
  std::map<int, const Migration*> by_version;
  for (const auto& m : known) {
    by_version[m.version] = &m;
  }
  std::map<int, const AppliedMigration*> done;
  for (const auto& a : applied) {
    const auto it = by_version.find(a.version);
    if (it == by_version.end()) {
      return Error{"the database has migration " + std::to_string(a.version) +
                   ", which this mcu binary does not know (the database was migrated by a newer "
                   "version): refusing to start"};
    }
    if (it->second->checksum != a.checksum) {
      return Error{"migration " + std::to_string(a.version) + " (" + it->second->name +
                   ") differs from the one applied to the database: migrations are forward-only, "
                   "add a new one instead of editing"};
    }
    done[a.version] = &a;
  }
  std::vector<const Migration*> plan;
  for (const auto& [version, migration] : by_version) {
    if (!done.contains(version)) {
      plan.push_back(migration);
    }
  }
  return plan;
}

}  // namespace mcu::store
