// The web console (issue 17) in a real browser: Chromium, driven by Selenium
// (tests/browser/console_check.py), signs in against the real server while two real callers are
// in a room, one sending a tone and one silence, their RTP flowing from this process the whole
// time. The script checks what an admin and a viewer see and do; this test checks that it ran to
// the end. Missing Chromium, chromedriver or Selenium fail the test, they never skip it.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kDriver = "/usr/bin/chromedriver";
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, which has python3-selenium

class ConsoleBrowserTest : public SipCallTest {};

std::uint64_t idWithCodec(const nlohmann::json& participants, const std::string& codec) {
  for (const auto& p : participants) {
    if (p["codec"] == codec) {
      return p["id"].get<std::uint64_t>();
    }
  }
  ADD_FAILURE() << "no " << codec << " caller in " << participants.dump();
  return 0;
}

TEST_F(ConsoleBrowserTest, AnAdminAndAViewerRunARoomFromChromium) {
  for (const char* tool : {kChromium, kDriver, kPython}) {
    ASSERT_EQ(access(tool, X_OK), 0) << tool << " is missing: deploy/install-deps installs it";
  }
  const ApiClient api(server_->httpPort(), adminToken());
  ASSERT_EQ(api.post("/v1/rooms", R"({"name":"console"})").status, 201);
  Caller talker = dial("console", "opus", 500);
  Caller quiet = dial("console", "PCMU", 800);
  quiet.media->setSilent(true);
  runFrames({talker.media.get(), quiet.media.get()}, 10);
  const auto participants = participantsOf("console");
  ASSERT_EQ(participants.size(), 2U) << participants.dump();
  const std::string viewer = createToken(db_.url(), "viewer", "console-viewer");

  TempPath home("console-home");
  std::filesystem::remove(home.path());  // tempPath made a file of that name
  std::filesystem::create_directories(home.path());
  ChildProcess browser({kPython, std::string(MCU_SOURCE_DIR) + "/tests/browser/console_check.py",
                        "--url", "http://127.0.0.1:" + std::to_string(server_->httpPort()),
                        "--admin", adminToken(), "--viewer", viewer, "--room", "console",
                        "--talker", std::to_string(idWithCodec(participants, "opus")), "--silent",
                        std::to_string(idWithCodec(participants, "PCMU"))},
                       {{"HOME", home.path()}, {"PYTHONDONTWRITEBYTECODE", "1"}},
                       tempPath("console-browser"));
  // The quiet caller answers the BYE of its kick (SipUac answers only what it is waiting for).
  std::atomic<bool> stop{false};
  std::atomic<bool> kicked{false};
  std::thread bye_answerer([&] {
    while (!stop && !kicked) {
      kicked = quiet.sip->awaitRequest("BYE", 200ms);
    }
  });
  // The callers keep talking (100 ms of RTP per turn) for as long as the browser looks, within a
  // bound: every step of the script waits at most 20 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  while (browser.running() && std::chrono::steady_clock::now() < deadline) {
    runFrames({talker.media.get(), quiet.media.get()}, 5);
  }
  const auto code = browser.waitExit(std::chrono::seconds(10));
  stop = true;
  bye_answerer.join();
  EXPECT_TRUE(kicked) << "the console's Kick sent no BYE";
  ASSERT_TRUE(code.has_value()) << "the browser check did not end in 4 min:\n" << browser.output();
  EXPECT_EQ(*code, 0) << browser.output();
  EXPECT_NE(browser.output().find("PASS"), std::string::npos) << browser.output();
}

}  // namespace
}  // namespace mcu::test
