// The cluster of issue 16 on one machine: Kamailio (deploy/kamailio/kamailio.cfg, as shipped)
// in front of three real `mcu` nodes that share the test's PostgreSQL database, all on
// 127.0.0.1 with ports of their own. Callers dial Kamailio; media goes straight to the node.
#pragma once

#include <csignal>
#include <filesystem>
#include <fstream>

#include "tests/integration/call_fixture.h"
#include "tests/support/eventually.h"

namespace mcu::test {

class ClusterTest : public SipCallTest {
 protected:
  static constexpr int kNodes = 3;

  struct Node {
    std::string id;
    std::uint16_t sip_port = 0;
    std::uint16_t http_port = 0;
    std::unique_ptr<ServerProcess> process;
  };

  // Kamailio forks its workers: SIGTERM to the main process ends them with it (SIGKILL, what
  // ChildProcess would send, leaves them behind).
  ~ClusterTest() override {
    if (kamailio_) {
      kamailio_->signal(SIGTERM);
      kamailio_->waitExit(10s);
    }
  }

  void SetUp() override {
    ASSERT_TRUE(requireTool("/usr/sbin/kamailio"));
    std::filesystem::remove_all(dir_.path());  // tempPath made it a file
    std::filesystem::create_directories(dir_.path());
    for (int i = 0; i < kNodes; ++i) {
      Node node;
      node.id = "node-" + std::to_string(i + 1);
      node.sip_port = freeUdpTcpPort();
      node.http_port = freeUdpTcpPort();
      nodes_.push_back(std::move(node));
    }
    for (int i = 0; i < kNodes; ++i) {
      startNode(i);
    }
    for (int i = 0; i < kNodes; ++i) {
      ASSERT_TRUE(nodes_[static_cast<std::size_t>(i)].process->waitReady())
          << nodes_[static_cast<std::size_t>(i)].process->process().output();
    }
    startKamailio();
  }

  // Node `i` (again, after a kill: the same id and ports, as a supervisor restarts it).
  void startNode(int i, std::map<std::string, std::string> extra = {}) {
    Node& node = nodes_[static_cast<std::size_t>(i)];
    std::map<std::string, std::string> env{
        {"MCU_NODE_ID", node.id},
        {"MCU_CLUSTER_ENABLED", "true"},
        {"MCU_SIP_LISTEN", "127.0.0.1:" + std::to_string(node.sip_port)},
        {"MCU_HTTP_LISTEN", "127.0.0.1:" + std::to_string(node.http_port)},
        {"MCU_MEDIA_BIND", "127.0.0.1"},
        {"MCU_MEDIA_ADDRESS", "127.0.0.1"},
        // Every request comes from the proxy's one address: its own pike limits sources.
        {"MCU_SIP_REQUESTS_PER_SOURCE_PER_S", "0"},
        {"MCU_DIALOUT_ALLOW", "127.0.0.1"},
    };
    for (auto& [key, value] : extra) {
      env[key] = value;
    }
    node.process.reset();
    node.process = std::make_unique<ServerProcess>(databaseUrlFor(i), env);
  }
  // The database as node `i` reaches it (a partition test puts a relay in between).
  virtual std::string databaseUrlFor(int) const { return db_.url(); }

  void startKamailio() {
    kamailio_port_ = freeUdpTcpPort();
    const std::string list = dir_.path() + "/dispatcher.list";
    std::ofstream out(list);
    for (const Node& node : nodes_) {
      out << "1 sip:127.0.0.1:" << node.sip_port << "\n";
    }
    out.close();
    kamailio_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/kamailio", "-DD", "-E", "-f",
                                 std::string(MCU_SOURCE_DIR) + "/deploy/kamailio/kamailio.cfg",
                                 "-A", "DS_LIST=\"" + list + "\"", "-A",
                                 "LISTEN=udp:127.0.0.1:" + std::to_string(kamailio_port_), "-w",
                                 dir_.path(), "-P", dir_.path() + "/kamailio.pid", "-Y",
                                 dir_.path(), "-m", "64", "-M", "8"},
        std::map<std::string, std::string>{}, tempPath("kamailio"));
    // Ready when it answers a probe of its own.
    ASSERT_TRUE(eventually(
        [&] {
          return statusLine(
                     udpExchange(kamailio_port_, optionsRequest(6000, "UDP"), 500ms).value_or(""))
                     .find(" 200 ") != std::string::npos;
        },
        10s))
        << kamailio_->output();
  }

  // A caller of `room` through Kamailio, sending `tone_hz`; `status` gets the final answer.
  Caller dialVia(const std::string& room, double tone_hz, int* status = nullptr) {
    return dialAt(kamailio_port_, room, "PCMU", tone_hz, status, true);
  }
  // The node that owns `room` in the database ("" if none).
  std::string ownerOf(const std::string& room) const {
    return db_.scalar("SELECT coalesce(node, '') FROM room_owners WHERE room = '" + room + "'");
  }
  int indexOf(const std::string& node_id) const {
    for (int i = 0; i < kNodes; ++i) {
      if (nodes_[static_cast<std::size_t>(i)].id == node_id) {
        return i;
      }
    }
    return -1;
  }
  // `a` and `b` each hear the other's tone after a second of audio both ways.
  void expectHearEachOther(Caller& a, double a_hz, Caller& b, double b_hz) {
    runFrames({a.media.get(), b.media.get()}, 50);
    EXPECT_GT(level(a, b_hz), kHeard) << "the first caller does not hear the second";
    EXPECT_GT(level(b, a_hz), kHeard) << "the second caller does not hear the first";
  }

  TempPath dir_{"cluster"};
  std::vector<Node> nodes_;
  std::uint16_t kamailio_port_ = 0;
  std::unique_ptr<ChildProcess> kamailio_;
};

}  // namespace mcu::test
