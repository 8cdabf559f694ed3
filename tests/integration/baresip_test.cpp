// A real SIP client: two baresip instances (Debian's baresip-core) dial one room. Each sends a
// sine of its own (ausine) and records what it hears (sndfile); the recordings are listened to.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "mixer/codec/audio_file_loader.h"
#include "tests/integration/server_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/listening.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;
constexpr const char* kBaresip = "/usr/bin/baresip";
constexpr const char* kTlsDir = MCU_SOURCE_DIR "/tests/data/tls";  // test-only CA and cert

// A baresip profile: its own SIP port (and the next, its TLS port), loopback only (net_interface:
// it would otherwise offer the host's other address), a sine source, and a dump of the decoded
// audio. It trusts the test CA (tests/data/tls) for calls over TLS.
std::string makeProfile(const std::string& dir, const std::string& user, int sine_hz,
                        const std::string& account_params = "", std::uint16_t sip_port = 0,
                        std::uint16_t control_port = 0) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config")
      << "poll_method epoll\n"
      << "sip_listen 127.0.0.1:" << (sip_port != 0 ? sip_port : freeUdpTcpPortPair()) << "\n"
      << "sip_cafile " << kTlsDir << "/cafile.pem\n"
      << "net_interface 127.0.0.1\n"
      << "module_path /usr/lib/baresip/modules\n"
      << "module opus.so\nmodule g711.so\nmodule ausine.so\nmodule sndfile.so\n"
      << "module aubridge.so\nmodule srtp.so\nmodule account.so\nmodule menu.so\n"
      << "audio_player aubridge,play-" << user << "\n"
      << "audio_alert aubridge,alert-" << user << "\n"
      << "audio_source ausine," << sine_hz << "\n"
      << "ausrc_srate 48000\nauplay_srate 48000\n"
      << "snd_path " << dir
      << "\n"
      // Commands while it runs (netstring JSON over TCP), e.g. a transfer mid-call.
      << (control_port != 0 ? "module ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:" +
                                  std::to_string(control_port) + "\n"
                            : std::string());
  std::ofstream(dir + "/accounts")
      << "<sip:" << user << "@127.0.0.1>;regint=0" << account_params << "\n";
  return dir;
}

// One command to a running baresip's ctrl_tcp module ({"command":...} in a netstring); its
// answer, "" if it could not be sent.
std::string sendBaresipCommand(std::uint16_t control_port, const std::string& command,
                               const std::string& params) {
  const int fd = tcpConnectFrom("127.0.0.1", control_port);
  if (fd < 0) {
    return "";
  }
  const std::string json =
      R"({"command":")" + command + R"(","params":")" + params + R"(","token":"t1"})";
  const std::string netstring = std::to_string(json.size()) + ":" + json + ",";
  const bool sent = ::send(fd, netstring.data(), netstring.size(), MSG_NOSIGNAL) ==
                    static_cast<ssize_t>(netstring.size());
  const std::string answer = sent ? readUntil(fd, 3s, "\"t1\"") : "";
  ::close(fd);
  return answer;
}

std::vector<std::int16_t> heardBy(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().string();
    if (name.ends_with("-dec.wav")) {
      auto loaded = mixer::codec::loadAudioFile(name);
      if (loaded) {
        return *loaded;
      }
    }
  }
  return {};
}

class BaresipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(requireTool(kBaresip)) << "baresip is missing: install baresip-core";
  }
  // The server with TLS on (so that every test also shows TLS does not disturb UDP and TCP).
  void startServer() {
    server_ = std::make_unique<ServerProcess>(
        db_.url(), std::map<std::string, std::string>{
                       {"MCU_MEDIA_BIND", "127.0.0.1"},
                       {"MCU_MEDIA_ADDRESS", "127.0.0.1"},
                       {"MCU_SIP_TLS_LISTEN", "127.0.0.1:" + std::to_string(tls_port_)},
                       {"MCU_SIP_TLS_CERT_DIR", kTlsDir}});
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  }
  // Two baresip phones dial `target` (the room's URI with its port and transport); each hears
  // the other's tone and not its own. The dialog's every request (ACK, BYE) must reach us on
  // the transport the phone took from our Contact: a call that never got its ACK, or whose BYE
  // went astray, is not recorded with leave_reason 'bye'.
  // `account_params`: e.g. ";mediaenc=srtp-mand" (SRTP or no call). Returns alice's log.
  std::string expectTwoPhonesHearEachOther(const std::string& room, const std::string& target,
                                           const std::string& account_params = "") {
    const TempPath profiles("baresip");
    const std::string& base = profiles.path();
    ::unlink(base.c_str());
    const std::string a = makeProfile(base + "/a", "alice", 1000, account_params);
    const std::string b = makeProfile(base + "/b", "bob", 600, account_params);
    const std::string dial = "/dial " + target;
    ChildProcess alice({kBaresip, "-f", a, "-e", dial, "-t", "8"}, {}, base + "/a.log");
    // Bob dials once Alice is in (her call's row), so the room is made by one call.
    EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE left_at IS NULL", "1"), "1")
        << readFile(base + "/a.log");
    ChildProcess bob({kBaresip, "-f", b, "-e", dial, "-t", "7"}, {}, base + "/b.log");
    EXPECT_TRUE(alice.waitExit(20s).has_value());
    EXPECT_TRUE(bob.waitExit(20s).has_value());
    const auto alice_heard = heardBy(a);
    const auto bob_heard = heardBy(b);
    const std::string alice_log = readFile(base + "/a.log");
    // At least 2 s of call each (about 6 on an idle machine; under a CPU hog the phones' own
    // start-up ate into their fixed run time and one recorded 3.7 s): the middle second below
    // is then inside the call.
    EXPECT_GT(alice_heard.size(), 48000U * 2) << alice_log;
    EXPECT_GT(bob_heard.size(), 48000U * 2) << readFile(base + "/b.log");
    if (alice_heard.size() <= std::size_t{48000} * 2 ||
        bob_heard.size() <= std::size_t{48000} * 2) {
      return alice_log;
    }
    // The middle of each call: past the start, before either hangs up.
    const auto middle = [](const std::vector<std::int16_t>& pcm) {
      return std::span(pcm).subspan(pcm.size() / 2 - 24000, 48000);
    };
    expectHears(middle(alice_heard), {600}, {1000});
    expectHears(middle(bob_heard), {1000}, {600});
    EXPECT_EQ(db_.awaitScalar("SELECT string_agg(c.leave_reason, ',') FROM calls c JOIN rooms r "
                              "ON r.id = c.room_id WHERE r.name = '" +
                                  room + "' AND c.left_at IS NOT NULL HAVING count(*) = 2",
                              "bye,bye"),
              "bye,bye")
        << server_->process().output();
    return alice_log;
  }
  std::string uri(const std::string& room, std::uint16_t port, const std::string& params) const {
    return "sip:" + room + "@127.0.0.1:" + std::to_string(port) + params;
  }

  TestDatabase db_;
  std::uint16_t tls_port_ = freeUdpTcpPort();
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BaresipTest, TwoBaresipClientsHearEachOtherOverUdp) {
  startServer();
  expectTwoPhonesHearEachOther("overudp", uri("overudp", server_->sipPort(), ""));
}

TEST_F(BaresipTest, TwoBaresipClientsHearEachOtherOverTcp) {
  startServer();
  expectTwoPhonesHearEachOther("overtcp", uri("overtcp", server_->sipPort(), ";transport=tcp"));
}

// A phone's blind transfer (RFC 3515 REFER in its dialog) while in a room: the server dials
// the target into the room (RFC 4579 §5.5), and the target hears the room.
TEST_F(BaresipTest, APhonesBlindTransferBringsItsTargetIntoTheRoom) {
  server_ = std::make_unique<ServerProcess>(
      db_.url(), std::map<std::string, std::string>{{"MCU_MEDIA_BIND", "127.0.0.1"},
                                                    {"MCU_MEDIA_ADDRESS", "127.0.0.1"},
                                                    {"MCU_DIALOUT_ALLOW", "127.0.0.1"}});
  ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  const TempPath profiles("baresip-transfer");
  const std::string& base = profiles.path();
  ::unlink(base.c_str());
  const std::uint16_t carol_port = freeUdpTcpPortPair();
  const std::uint16_t alice_control = freeUdpTcpPort();
  const std::string a = makeProfile(base + "/a", "alice", 1000, "", 0, alice_control);
  const std::string b = makeProfile(base + "/b", "bob", 600);
  const std::string c = makeProfile(base + "/c", "carol", 400, ";answermode=auto", carol_port);
  const std::string room = uri("transfer", server_->sipPort(), "");
  ChildProcess carol({kBaresip, "-f", c, "-t", "14"}, {}, base + "/c.log");
  ChildProcess bob({kBaresip, "-f", b, "-e", "/dial " + room, "-t", "13"}, {}, base + "/b.log");
  ChildProcess alice({kBaresip, "-f", a, "-e", "/dial " + room, "-t", "12"}, {}, base + "/a.log");
  // Alice is in the room when its row exists; then she transfers to Carol.
  ASSERT_EQ(
      db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'in' AND left_at IS NULL", "2"),
      "2")
      << server_->process().output();
  std::string calls;
  ASSERT_TRUE(eventually(
      [&] {
        calls = sendBaresipCommand(alice_control, "listcalls", "");
        return calls.find("ESTABLISHED") != std::string::npos;
      },
      10s, 100ms))
      << "alice's call never established: " << calls;
  const std::string transfer = sendBaresipCommand(
      alice_control, "transfer", "sip:carol@127.0.0.1:" + std::to_string(carol_port));
  ASSERT_NE(transfer.find(R"("ok":true)"), std::string::npos) << transfer;
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE direction = 'out'", "1"), "1")
      << readFile(base + "/a.log") << server_->process().output();
  EXPECT_TRUE(carol.waitExit(25s).has_value());
  EXPECT_TRUE(bob.waitExit(25s).has_value());
  EXPECT_TRUE(alice.waitExit(25s).has_value());
  const auto carol_heard = heardBy(c);
  ASSERT_GT(carol_heard.size(), 48000U * 3) << readFile(base + "/c.log");
  // Carol hears Bob, who is in the room, in the middle of her call.
  expectHears(std::span(carol_heard).subspan(carol_heard.size() / 2 - 24000, 48000), {600}, {400});
}

TEST_F(BaresipTest, TwoBaresipClientsHearEachOtherOverTls) {
  startServer();
  expectTwoPhonesHearEachOther("overtls", uri("overtls", tls_port_, ";transport=tls"));
}

TEST_F(BaresipTest, TwoBaresipClientsWithMandatorySrtpHearEachOtherOverTls) {
  startServer();
  const std::string log = expectTwoPhonesHearEachOther(
      "srtp", uri("srtp", tls_port_, ";transport=tls"), ";mediaenc=srtp-mand");
  EXPECT_NE(log.find("SRTP is Enabled"), std::string::npos) << log;
}

}  // namespace
}  // namespace mcu::test
