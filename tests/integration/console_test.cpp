// The web console (issue 17) in real browsers, against the real server while two real callers
// are in a room, one sending a tone and one silence, their RTP flowing from this process the
// whole time: Chromium driven by Selenium walks through everything an admin and a viewer do
// (tests/browser/console_check.py); Firefox ESR, driven over WebDriver BiDi, shows the same
// page working in the other engine (console_firefox_check.py). Each test checks that its script
// ran to the end. A missing browser, driver or library fails the test; it never skips.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "tests/integration/call_fixture.h"

namespace mcu::test {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-selenium

std::uint64_t idWithCodec(const nlohmann::json& participants, const std::string& codec) {
  for (const auto& p : participants) {
    if (p["codec"] == codec) {
      return p["id"].get<std::uint64_t>();
    }
  }
  ADD_FAILURE() << "no " << codec << " caller in " << participants.dump();
  return 0;
}

class ConsoleBrowserTest : public SipCallTest {
 protected:
  // Recording is on, so that the console's Record button has somewhere to write.
  void SetUp() override {
    std::filesystem::remove_all(recordings_.path());
    std::filesystem::create_directories(recordings_.path());
    start({{"MCU_RECORDINGS_DIR", recordings_.path()}});
  }
  void TearDown() override { std::filesystem::remove_all(recordings_.path()); }
  struct Room {
    std::string talker;
    std::string quiet;
  };

  // Runs `script` of tests/browser with `args` (and --url, --admin, --screenshots) while the
  // callers talk; {talker} and {quiet} in args become their participant ids, {heard} a file
  // written once the quiet caller has been listened to after the console muted the talker.
  void runBrowserCheck(const std::string& script, std::vector<std::string> args,
                       const std::vector<const char*>& tools) {
    for (const char* tool : tools) {
      ASSERT_EQ(access(tool, X_OK), 0) << tool << " is missing: deploy/install-deps installs it";
    }
    const ApiClient api(server_->httpPort(), adminToken());
    ASSERT_EQ(api.post("/v1/rooms", R"({"name":"console"})").status, 201);
    Caller talker = dial("console", "opus", 500);
    Caller quiet = dial("console", "PCMU", 800);
    quiet.media->setSilent(true);
    runFrames({talker.media.get(), quiet.media.get()}, 40);
    EXPECT_GT(level(quiet, 500), kHeard) << "the quiet caller hears the talker before the mute";
    const auto participants = participantsOf("console");
    ASSERT_EQ(participants.size(), 2U) << participants.dump();
    const std::string talker_id = std::to_string(idWithCodec(participants, "opus"));
    const std::string quiet_id = std::to_string(idWithCodec(participants, "PCMU"));
    std::vector<std::string> argv{
        kPython,         std::string(MCU_SOURCE_DIR) + "/tests/browser/" + script,
        "--url",         "http://127.0.0.1:" + std::to_string(server_->httpPort()),
        "--admin",       adminToken(),
        "--screenshots", screenshots_};
    std::filesystem::create_directories(screenshots_);
    const TempPath heard("console-heard");
    std::filesystem::remove(heard.path());
    for (auto& arg : args) {
      argv.push_back(arg == "{talker}"  ? talker_id
                     : arg == "{quiet}" ? quiet_id
                     : arg == "{heard}" ? heard.path()
                                        : arg);
    }
    TempPath home("console-home");
    std::filesystem::remove(home.path());  // tempPath made a file of that name
    std::filesystem::create_directories(home.path());
    ChildProcess browser(argv, {{"HOME", home.path()}, {"PYTHONDONTWRITEBYTECODE", "1"}},
                         tempPath("console-browser"));
    // The quiet caller answers the BYE of a kick (SipUac answers only what it waits for).
    std::atomic<bool> stop{false};
    std::thread bye_answerer([&] {
      while (!stop && !kicked_) {
        kicked_ = quiet.sip->awaitRequest("BYE", 200ms);
      }
    });
    // The callers keep talking (100 ms of RTP per turn) for as long as the browser looks,
    // within a bound: every step of a script waits 30 s at most.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
    auto next_look = std::chrono::steady_clock::now();
    const std::string talker_path = "/v1/rooms/console/participants/" + talker_id;
    while (browser.running() && std::chrono::steady_clock::now() < deadline) {
      runFrames({talker.media.get(), quiet.media.get()}, 5);
      if (muted_level_ || std::chrono::steady_clock::now() < next_look) {
        continue;
      }
      next_look = std::chrono::steady_clock::now() + 500ms;
      if (api.get(talker_path).json().value("muted", false)) {
        // Muted from the console: listen to what the quiet caller hears now.
        runFrames({talker.media.get(), quiet.media.get()}, 30);
        muted_level_ = level(quiet, 500, 400);
        std::ofstream(heard.path()) << *muted_level_ << "\n";
      }
    }
    const auto code = browser.waitExit(std::chrono::seconds(10));
    stop = true;
    bye_answerer.join();
    ASSERT_TRUE(code.has_value()) << "the browser check did not end in 4 min:\n"
                                  << browser.output();
    EXPECT_EQ(*code, 0) << browser.output();
    EXPECT_NE(browser.output().find("PASS"), std::string::npos) << browser.output();
  }

  TempPath recordings_{"console-recordings"};
  std::atomic<bool> kicked_{false};
  std::optional<double> muted_level_;  // the talker's tone at the quiet caller, once muted
  // One PNG per page, kept beside the test binary as the test's artifacts.
  const std::string screenshots_ =
      (std::filesystem::current_path() / "console-screenshots").string();
};

TEST_F(ConsoleBrowserTest, AnAdminAndAViewerRunARoomFromChromium) {
  const std::string viewer = createToken(db_.url(), "viewer", "console-viewer");
  runBrowserCheck("console_check.py",
                  {"--viewer", viewer, "--room", "console", "--talker", "{talker}", "--silent",
                   "{quiet}", "--heard", "{heard}"},
                  {"/usr/bin/chromium", "/usr/bin/chromedriver", kPython});
  EXPECT_TRUE(kicked_) << "the console's Kick sent no BYE";
  ASSERT_TRUE(muted_level_.has_value()) << "the console's Mute never reached the API";
  EXPECT_LT(*muted_level_, kNotHeard) << "the quiet caller still hears the muted talker";
  for (const char* page : {"sign-in", "rooms", "room", "history", "phone-room"}) {
    EXPECT_TRUE(std::filesystem::exists(screenshots_ + "/chromium-" + page + ".png")) << page;
  }
}

TEST_F(ConsoleBrowserTest, TheConsoleWorksInFirefox) {
  runBrowserCheck("console_firefox_check.py", {"--room", "console", "--talker", "{talker}"},
                  {"/usr/bin/firefox-esr", kPython});
  for (const char* page : {"room", "history"}) {
    EXPECT_TRUE(std::filesystem::exists(screenshots_ + "/firefox-" + page + ".png")) << page;
  }
}

}  // namespace
}  // namespace mcu::test
