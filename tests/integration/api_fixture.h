// The REST API's test fixture: a real server on a fresh PostgreSQL database and an admin
// client whose every response is checked against api/openapi.json.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/integration/api_client.h"
#include "tests/integration/server_fixture.h"

namespace mcu::test {

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(db_.url());
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
    admin_ = std::make_unique<ApiClient>(server_->httpPort(),
                                         createToken(db_.url(), "admin", "test-admin"));
  }

  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> admin_;
};

}  // namespace mcu::test
