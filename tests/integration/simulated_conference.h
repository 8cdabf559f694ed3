// What a conference stands on in the simulated-time tests (conference_test, sip_timers_test):
// the test's own PostgreSQL database with a started worker and store, a one-thread media engine
// on its own port range, and the ManualClock the test advances.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "mcu/store/conference_store.h"
#include "mcu/store/db_worker.h"
#include "mcu/store/migration.h"
#include "mixer/engine/media_engine.h"
#include "tests/support/manual_clock.h"
#include "tests/support/test_database.h"

namespace mcu::test {

class SimulatedConferenceParts {
 public:
  SimulatedConferenceParts(std::uint16_t port_min, std::uint16_t port_max)
      : engine(mixer::createMediaEngine({.threads = 1, .port_min = port_min, .port_max = port_max},
                                        nullptr)) {}

  // Starts the worker and waits (20 s at most) until the database is migrated and answers.
  void startDatabase() {
    db.start();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!db.isReady() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(db.isReady()) << "the test database is not reachable";
  }

  TestDatabase database;
  store::DbWorker db{
      {.url = database.url()}, *store::loadMigrations(store::embeddedMigrationSources()), {}};
  store::ConferenceStore store{db};
  std::unique_ptr<mixer::MediaEngine> engine;
  ManualClock clock;
};

}  // namespace mcu::test
