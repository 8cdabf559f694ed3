// The fixture of the recording tests (sip_recording_test.cpp, sip_recording_restart_test.cpp):
// the real server with a recordings directory of the test's own, emptied before and after.
#pragma once

#include <filesystem>
#include <fstream>

#include "tests/integration/call_fixture.h"
#include "tests/support/eventually.h"

namespace mcu::test {

class SipRecordingTest : public SipCallTest {
 protected:
  void SetUp() override {
    std::filesystem::remove_all(dir_.path());
    std::filesystem::create_directories(dir_.path());
    start(env());
  }
  void TearDown() override { std::filesystem::remove_all(dir_.path()); }
  virtual std::map<std::string, std::string> env() const {
    return {{"MCU_RECORDINGS_DIR", dir_.path()}};
  }
  // The recording's row once its file is finalised (state done), or null after 15 s.
  nlohmann::json finished(const ApiClient& api, std::int64_t id) {
    nlohmann::json row;
    eventually(
        [&] {
          row = api.get("/v1/recordings/" + std::to_string(id)).json();
          return row.value("state", "") == "done";
        },
        std::chrono::seconds(15));
    return row.value("state", "") == "done" ? row : nlohmann::json();
  }
  std::vector<std::string> eventsOf(const std::string& type) {
    std::vector<std::string> reasons;
    for (const auto& e : readEvents(server_->httpPort(), adminToken(), "0", 1500ms)) {
      if (e["type"] == type) {
        reasons.push_back(e["data"].value("reason", ""));
      }
    }
    return reasons;
  }
  static std::string write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  TempPath dir_{"recordings"};
};

}  // namespace mcu::test
