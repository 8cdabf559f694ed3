// The fixture of the dial-in tests: the real server on its own database, callers that dial
// a room with one codec and send a tone, sipp runs, and listening to what callers receive.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/api_client.h"
#include "tests/integration/server_fixture.h"
#include "tests/integration/sip_uac.h"
#include "tests/support/listening.h"
#include "tests/support/net.h"
#include "tests/support/rtp_peer.h"

namespace mcu::test {

using mixer::codec::CodecKind;
using mixer::codec::CodecSpec;
using namespace std::chrono_literals;

inline constexpr double kHeard = kHeardDb;
inline constexpr double kNotHeard = kNotHeardDb;

struct Caller {
  std::unique_ptr<RtpPeer> media;
  std::unique_ptr<SipUac> sip;
};

class SipCallTest : public ::testing::Test {
 protected:
  void SetUp() override { start({}); }
  void start(std::map<std::string, std::string> env) {
    env["MCU_MEDIA_BIND"] = "127.0.0.1";
    env["MCU_MEDIA_ADDRESS"] = "127.0.0.1";
    server_ = std::make_unique<ServerProcess>(db_.url(), env);
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  }
  // Dials `room` with one codec; on success the caller's media is aimed at the answer's port.
  Caller dial(const std::string& room, const std::string& codec, double tone_hz,
              int* status = nullptr) {
    return dialAt(server_->sipPort(), room, codec, tone_hz, status);
  }
  // The same to another SIP address on 127.0.0.1 (a proxy in front: `follow_route_set` then
  // sends the dialog's requests along its Record-Route, as a phone does).
  Caller dialAt(std::uint16_t sip_port, const std::string& room, const std::string& codec,
                double tone_hz, int* status = nullptr, bool follow_route_set = false) {
    static const std::map<std::string, CodecSpec> kSpecs{
        {"opus", {.kind = CodecKind::kOpus, .payload_type = 111}},
        {"PCMU", {.kind = CodecKind::kPcmu, .payload_type = 0}},
        {"PCMA", {.kind = CodecKind::kPcma, .payload_type = 8}},
        {"G722", {.kind = CodecKind::kG722, .payload_type = 9}}};
    Caller c;
    c.media = std::make_unique<RtpPeer>(gst_, kSpecs.at(codec), tone_hz);
    c.sip = std::make_unique<SipUac>(sip_port);
    c.sip->setFollowRouteSet(follow_route_set);
    const auto reply = c.sip->invite(room, sdpOffer(c.media->port(), codec));
    if (status != nullptr) {
      *status = reply.status;
    } else {
      EXPECT_EQ(reply.status, 200) << reply.message;
    }
    if (reply.status == 200) {
      c.media->setServerPort(sdpAudioPort(reply.body));
    }
    return c;
  }
  // Runs a scenario of tests/sipp against the server, one call at a time; `extra` adds sipp
  // options (transport, call count, injection file...).
  CommandResult runSipp(const std::string& scenario, const std::string& room,
                        const std::vector<std::string>& extra) {
    std::vector<std::string> args{"/usr/bin/sipp",
                                  "-sf",
                                  std::string(MCU_SIPP_DIR) + "/" + scenario,
                                  "-s",
                                  room,
                                  "-i",
                                  "127.0.0.1",
                                  "-p",
                                  "0",
                                  "-mi",
                                  "127.0.0.1",
                                  "-nostdin",
                                  "-timeout",
                                  "30s",
                                  "-timeout_error"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("127.0.0.1:" + std::to_string(server_->sipPort()));
    return runCommand(args, 40s);
  }
  // tests/sipp/join_leave.xml: `calls` callers into `room`, each with 5 s of PCMA.
  CommandResult sippJoinLeave(const std::string& room, const std::string& transport, int calls) {
    return runSipp("join_leave.xml", room,
                   {"-t", transport, "-m", std::to_string(calls), "-r", std::to_string(calls), "-d",
                    "5000", "-trace_err"});
  }
  // The first final answer to each call's INVITE (CSeq 1), in call order, from a sipp
  // -message_file written with -trace_msg; later copies are retransmissions.
  static std::vector<std::string> sippFinalAnswers(const std::string& message_file) {
    std::string log = readFile(message_file);
    std::erase(log, '\r');
    std::vector<std::string> answers;
    std::set<std::string> calls;
    for (auto pos = log.find("message received"); pos != std::string::npos;
         pos = log.find("message received", pos + 1)) {
      const std::string message = log.substr(pos, log.find("-----------------", pos) - pos);
      const auto start = message.find("SIP/2.0 ");
      if (start == std::string::npos || message.find("CSeq: 1 INVITE") == std::string::npos ||
          message.compare(start + 8, 1, "1") == 0) {
        continue;
      }
      if (calls.insert(headerValue(message.substr(start), "Call-ID")).second) {
        answers.push_back(message.substr(start));
      }
    }
    return answers;
  }
  // The admin token of this test's server, made at the first use.
  const std::string& adminToken() {
    if (admin_token_.empty()) {
      admin_token_ = createToken(db_.url(), "admin", "call-test-admin");
    }
    return admin_token_;
  }
  // The participants of `room` as REST lists them (the `items` of the listing).
  nlohmann::json participantsOf(const std::string& room) {
    const ApiClient api(server_->httpPort(), adminToken());
    const auto listed = api.get("/v1/rooms/" + room + "/participants");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return listed.json()["items"];  // a copy: the json() temporary dies here
  }
  // How each participant of `room` came in ("dial-in", "refer"...), as REST lists them.
  std::multiset<std::string> viasIn(const std::string& room) {
    std::multiset<std::string> vias;
    for (const auto& p : participantsOf(room)) {
      vias.insert(p["via"].get<std::string>());
    }
    return vias;
  }
  static double level(const Caller& c, double hz, int ms = 600) {
    return goertzelDb(c.media->lastAudio(ms), hz);
  }

  TestDatabase db_;
  mixer::codec::GstPipelineHost gst_;
  std::unique_ptr<ServerProcess> server_;
  std::string admin_token_;
};

// Holds the rooms table locked from its own connection, so that the server's look-up of a
// room it has not seen waits: an INVITE to a new room stays unanswered until release() (or
// 5 s). What a CANCEL before the answer needs.
class RoomLookupHold {
 public:
  explicit RoomLookupHold(const std::string& database_url)
      : holder_([this, database_url] {
          try {
            pqxx::connection conn(database_url);
            pqxx::work txn(conn);
            txn.exec("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE");
            locked_.set_value();
            for (int i = 0; i < 500 && !released_.load(); ++i) {
              std::this_thread::sleep_for(10ms);
            }
            txn.abort();
          } catch (...) {
            locked_.set_exception(std::current_exception());
          }
        }) {
    locked_future_.get();  // rethrows a failure to take the lock
  }
  RoomLookupHold(const RoomLookupHold&) = delete;
  RoomLookupHold& operator=(const RoomLookupHold&) = delete;
  ~RoomLookupHold() { release(); }
  void release() {
    released_ = true;
    if (holder_.joinable()) {
      holder_.join();
    }
  }

 private:
  std::promise<void> locked_;
  std::future<void> locked_future_ = locked_.get_future();
  std::atomic<bool> released_{false};
  std::thread holder_;
};

}  // namespace mcu::test
