#include "mcu/store/migration.h"

#include <gtest/gtest.h>

namespace mcu::store {
namespace {

std::vector<Migration> mustLoad(std::initializer_list<MigrationSource> sources) {
  const std::vector<MigrationSource> list(sources);
  auto loaded = loadMigrations(list);
  if (!loaded) {
    ADD_FAILURE() << loaded.error();
    return {};
  }
  return *loaded;
}

std::string loadProblem(std::initializer_list<MigrationSource> sources) {
  const std::vector<MigrationSource> list(sources);
  auto loaded = loadMigrations(list);
  return !loaded.ok() ? loaded.error() : "";
}

TEST(MigrationTest, ParsesNumberedFileNames) {
  auto parsed = parseMigrationFileName("0012_add_room_groups.sql");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->version, 12);
  EXPECT_EQ(parsed->name, "add_room_groups");
}

TEST(MigrationTest, RejectsBadFileNames) {
  for (const char* bad : {"1_init.sql", "0001-init.sql", "0001_init.txt", "0000_zero.sql",
                          "0001_Init.sql", "0001_.sql", "abcd_init.sql"}) {
    EXPECT_FALSE(parseMigrationFileName(bad).ok()) << bad;
  }
}

TEST(MigrationTest, LoadsInVersionOrderWhateverTheInputOrder) {
  const auto set = mustLoad(
      {{"0002_b.sql", "SELECT 2"}, {"0001_a.sql", "SELECT 1"}, {"0003_c.sql", "SELECT 3"}});
  ASSERT_EQ(set.size(), 3U);
  EXPECT_EQ(set[0].name, "a");
  EXPECT_EQ(set[1].name, "b");
  EXPECT_EQ(set[2].name, "c");
}

TEST(MigrationTest, RefusesGapsAndDuplicates) {
  EXPECT_NE(loadProblem({{"0001_a.sql", ""}, {"0003_c.sql", ""}}).find("expected 2, found 3"),
            std::string::npos);
  EXPECT_FALSE(loadProblem({{"0001_a.sql", ""}, {"0001_b.sql", ""}}).empty());
  EXPECT_FALSE(loadProblem({{"0002_a.sql", ""}}).empty());
}

TEST(MigrationTest, EmptyDatabaseGetsEverythingInOrder) {
  const auto set = mustLoad({{"0001_a.sql", "A"}, {"0002_b.sql", "B"}});
  auto plan = planMigrations(set, {});
  ASSERT_TRUE(plan.ok());
  const auto& todo = *plan;
  ASSERT_EQ(todo.size(), 2U);
  EXPECT_EQ(todo[0]->version, 1);
  EXPECT_EQ(todo[1]->version, 2);
}

TEST(MigrationTest, AppliedOnesAreSkipped) {
  const auto set = mustLoad({{"0001_a.sql", "A"}, {"0002_b.sql", "B"}, {"0003_c.sql", "C"}});
  const std::vector<AppliedMigration> applied{{1, checksumOf("A")}, {2, checksumOf("B")}};
  auto plan = planMigrations(set, applied);
  const auto& todo = *plan;
  ASSERT_EQ(todo.size(), 1U);
  EXPECT_EQ(todo[0]->version, 3);
}

TEST(MigrationTest, UpToDateDatabaseNeedsNothing) {
  const auto set = mustLoad({{"0001_a.sql", "A"}});
  const std::vector<AppliedMigration> applied{{1, checksumOf("A")}};
  EXPECT_TRUE(planMigrations(set, applied)->empty());
}

TEST(MigrationTest, RefusesADatabaseWithAnUnknownMigration) {
  const auto set = mustLoad({{"0001_a.sql", "A"}});
  const std::vector<AppliedMigration> applied{{1, checksumOf("A")}, {2, "whatever"}};
  auto plan = planMigrations(set, applied);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().find("migration 2"), std::string::npos);
  EXPECT_NE(plan.error().find("refusing to start"), std::string::npos);
}

TEST(MigrationTest, RefusesAMigrationEditedAfterItWasApplied) {
  const auto set = mustLoad({{"0001_a.sql", "A, edited"}});
  const std::vector<AppliedMigration> applied{{1, checksumOf("A")}};
  auto plan = planMigrations(set, applied);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.error().find("forward-only"), std::string::npos);
}

TEST(MigrationTest, EmbeddedMigrationsFormAValidSet) {
  auto loaded = loadMigrations(embeddedMigrationSources());
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  const auto& set = *loaded;
  ASSERT_FALSE(set.empty());
  EXPECT_EQ(set.front().version, 1);
  EXPECT_NE(set.front().sql.find("CREATE TABLE rooms"), std::string::npos);
}

}  // namespace
}  // namespace mcu::store
