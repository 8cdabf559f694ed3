// A real SIP client: two baresip instances (Debian's baresip-core) dial one room. Each sends a
// sine of its own (ausine) and records what it hears (sndfile); the recordings are listened to.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mixer/codec/audio_file_loader.h"
#include "tests/integration/server_fixture.h"
#include "tests/support/listening.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;
constexpr const char* kBaresip = "/usr/bin/baresip";

// A baresip profile: its own SIP port, loopback only (net_interface: it would otherwise offer
// the host's other address), a sine source, and a dump of the decoded audio.
std::string makeProfile(const std::string& dir, const std::string& user, int sine_hz) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config")
      << "poll_method epoll\n"
      << "sip_listen 127.0.0.1:" << freeUdpTcpPort() << "\n"
      << "net_interface 127.0.0.1\n"
      << "module_path /usr/lib/baresip/modules\n"
      << "module opus.so\nmodule g711.so\nmodule ausine.so\nmodule sndfile.so\n"
      << "module aubridge.so\nmodule account.so\nmodule menu.so\n"
      << "audio_player aubridge,play-" << user << "\n"
      << "audio_alert aubridge,alert-" << user << "\n"
      << "audio_source ausine," << sine_hz << "\n"
      << "ausrc_srate 48000\nauplay_srate 48000\n"
      << "snd_path " << dir << "\n";
  std::ofstream(dir + "/accounts") << "<sip:" << user << "@127.0.0.1>;regint=0\n";
  return dir;
}

std::vector<std::int16_t> heardBy(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().string();
    if (name.ends_with("-dec.wav")) {
      auto loaded = mixer::codec::loadAudioFile(name);
      if (auto* pcm = std::get_if<std::vector<std::int16_t>>(&loaded)) {
        return *pcm;
      }
    }
  }
  return {};
}

TEST(BaresipTest, TwoBaresipClientsHearEachOtherInARoom) {
  ASSERT_TRUE(requireTool(kBaresip)) << "baresip is missing: install baresip-core";
  TestDatabase db;
  ServerProcess server(db.url(),
                       {{"MCU_MEDIA_BIND", "127.0.0.1"}, {"MCU_MEDIA_ADDRESS", "127.0.0.1"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  const TempPath profiles("baresip");
  const std::string& base = profiles.path();
  ::unlink(base.c_str());
  const std::string a = makeProfile(base + "/a", "alice", 1000);
  const std::string b = makeProfile(base + "/b", "bob", 600);
  const std::string target = "/dial sip:baresip@127.0.0.1:" + std::to_string(server.sipPort());
  ChildProcess alice({kBaresip, "-f", a, "-e", target, "-t", "8"}, {}, base + "/a.log");
  std::this_thread::sleep_for(500ms);
  ChildProcess bob({kBaresip, "-f", b, "-e", target, "-t", "7"}, {}, base + "/b.log");
  ASSERT_TRUE(alice.waitExit(20s).has_value());
  ASSERT_TRUE(bob.waitExit(20s).has_value());
  const auto alice_heard = heardBy(a);
  const auto bob_heard = heardBy(b);
  ASSERT_GT(alice_heard.size(), 48000U * 4) << readFile(base + "/a.log");
  ASSERT_GT(bob_heard.size(), 48000U * 4) << readFile(base + "/b.log");
  // The middle of each call: past the start, before either hangs up.
  const auto middle = [](const std::vector<std::int16_t>& pcm) {
    return std::span(pcm).subspan(pcm.size() / 2 - 24000, 48000);
  };
  expectHears(middle(alice_heard), {600}, {1000});
  expectHears(middle(bob_heard), {1000}, {600});
}

}  // namespace
}  // namespace mcu::test
