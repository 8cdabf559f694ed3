// The cluster (issue 16) with real parts: Kamailio, PostgreSQL and three mcu nodes. A room's
// callers all land on the node that owns it and hear each other; the rooms spread over the
// nodes; when the owner is killed its room comes back on another node within seconds, its dead
// calls closed as node_lost; and the killed node, restarted, does not split the room.
#include "tests/integration/cluster_fixture.h"

namespace mcu::test {
namespace {

TEST_F(ClusterTest, ARoomsCallersLandOnOneNodeAndTheRoomsSpreadOverTheNodes) {
  std::vector<Caller> callers;
  std::set<std::string> owners;
  for (int r = 0; r < 8; ++r) {
    const std::string room = "spread-" + std::to_string(r);
    callers.push_back(dialVia(room, 600));
    callers.push_back(dialVia(room, 900));
    const std::string owner = ownerOf(room);
    ASSERT_FALSE(owner.empty()) << room;
    owners.insert(owner);
    // Both calls are recorded by the owner, and by no other node.
    EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = '" + room +
                                  "' AND node_id = '" + owner + "' AND left_at IS NULL",
                              "2"),
              "2")
        << room;
  }
  EXPECT_GE(owners.size(), 2U) << "8 rooms hashed over 3 nodes all went to one";
  expectHearEachOther(callers[0], 600, callers[1], 900);
}

TEST_F(ClusterTest, AKilledOwnersRoomComesBackOnAnotherNodeAndItsCallsCloseAsNodeLost) {
  Caller a = dialVia("failover", 600);
  Caller b = dialVia("failover", 900);
  const std::string owner = ownerOf("failover");
  const int dead = indexOf(owner);
  ASSERT_GE(dead, 0) << owner;
  ASSERT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = 'failover'"
                            " AND left_at IS NULL",
                            "2"),
            "2");
  nodes_[static_cast<std::size_t>(dead)].process->process().signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  // A new caller dials until a node answers: Kamailio tries the dead node, then the next,
  // which may claim the room once the dead node's lease (3 s) has run out.
  int status = 0;
  Caller c;
  for (int attempt = 0; attempt < 10 && status != 200; ++attempt) {
    c = dialVia("failover", 600, &status);
  }
  ASSERT_EQ(status, 200);
  const auto failover = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  std::cout << "failover (kill -> 200 from the new owner): " << failover.count() << " ms\n";
  // The issue's target is 5 s; the bound here is loose so that a busy machine cannot fail it.
  EXPECT_LT(failover, 15s);
  const std::string heir = ownerOf("failover");
  EXPECT_NE(heir, owner);
  EXPECT_EQ(db_.scalar("SELECT epoch FROM room_owners WHERE room = 'failover'"), "2");
  EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = 'failover' AND"
                            " node_id = '" +
                                owner + "' AND leave_reason = 'node_lost'",
                            "2"),
            "2")
      << "the dead node's calls are closed by the node that took its room";
  Caller d = dialVia("failover", 900);
  expectHearEachOther(c, 600, d, 900);

  // The dead node comes back (same id and address): it owns nothing, and a caller it is sent
  // is redirected to the room's owner, where the others are (no split room).
  startNode(dead);
  ASSERT_TRUE(nodes_[static_cast<std::size_t>(dead)].process->waitReady());
  ASSERT_TRUE(nodes_[static_cast<std::size_t>(dead)].process->process().waitForOutput(
      "event=lease_held", 10s));
  // Once Kamailio's probe sees it up again, the room's hash picks it again: its callers are
  // sent there and redirected (302) to the owner. Dial until that has happened.
  ChildProcess& back = nodes_[static_cast<std::size_t>(dead)].process->process();
  std::vector<Caller> late;
  ASSERT_TRUE(eventually(
      [&] {
        late.push_back(dialVia("failover", 1200));
        return back.output().find("event=invite_redirected") != std::string::npos;
      },
      15s, 200ms))
      << back.output();
  EXPECT_EQ(ownerOf("failover"), heir) << "the room stays where it is";
  EXPECT_EQ(db_.scalar("SELECT epoch FROM room_owners WHERE room = 'failover'"), "2");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM calls WHERE room_name = 'failover' AND"
                       " left_at IS NULL AND node_id <> '" +
                       heir + "'"),
            "0")
      << "a live call of the room on another node than its owner: a split room";
  runFrames({c.media.get(), late[0].media.get()}, 50);
  EXPECT_GT(level(late[0], 600), kHeard) << "the late caller does not hear the room";
  EXPECT_GT(level(c, 1200), kHeard) << "the room does not hear the late caller";
}

TEST_F(ClusterTest, ADrainedNodeGetsNoNewRoomWhileItsCallsGoOn) {
  Caller a = dialVia("drained", 600);
  Caller b = dialVia("drained", 900);
  const std::string owner = ownerOf("drained");
  const int drained = indexOf(owner);
  ASSERT_GE(drained, 0);
  // Asked of another node: the row is the message, read at the drained node's next renewal.
  const int other = (drained + 1) % kNodes;
  const ApiClient api(nodes_[static_cast<std::size_t>(other)].http_port, adminToken());
  const auto reply = api.post("/v1/nodes/" + owner + "/drain", "");
  ASSERT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(reply.json()["state"], "draining");
  EXPECT_EQ(api.post("/v1/nodes/no-such-node/drain", "").status, 404);
  const auto drained_room = api.get("/v1/rooms/drained");
  ASSERT_EQ(drained_room.status, 200) << drained_room.body;
  EXPECT_EQ(drained_room.json()["node"], owner) << "GET /v1/rooms/{name} names the room's node";
  ASSERT_TRUE(nodes_[static_cast<std::size_t>(drained)].process->process().waitForOutput(
      "event=node_draining", 10s));
  // New rooms go to the other nodes, whatever their hash.
  std::vector<Caller> others;
  for (int r = 0; r < 6; ++r) {
    const std::string room = "after-drain-" + std::to_string(r);
    others.push_back(dialVia(room, 600));
    EXPECT_NE(ownerOf(room), owner) << room;
  }
  // Its own room still takes callers (redirected there if need be): the room is not split.
  Caller c = dialVia("drained", 1200);
  EXPECT_EQ(ownerOf("drained"), owner);
  runFrames({a.media.get(), b.media.get(), c.media.get()}, 50);
  EXPECT_GT(level(a, 900), kHeard) << "a drained node's calls go on";
  EXPECT_GT(level(c, 600), kHeard) << "the room's new caller is with the others";
  const auto nodes = api.get("/v1/nodes");
  ASSERT_EQ(nodes.status, 200) << nodes.body;
  int seen = 0;
  const nlohmann::json listed = nodes.json();
  for (const auto& node : listed["items"]) {
    ++seen;
    EXPECT_TRUE(node["alive"].get<bool>()) << node.dump();
    EXPECT_EQ(node["state"], node["id"] == owner ? "draining" : "up") << node.dump();
  }
  EXPECT_EQ(seen, kNodes);
}

TEST_F(ClusterTest, RestOnANodeThatDoesNotOwnTheRoomActsOnItsOwnerAndEventsComeFromEveryNode) {
  Caller a = dialVia("remote", 600);
  Caller b = dialVia("remote", 900);
  const int owner = indexOf(ownerOf("remote"));
  ASSERT_GE(owner, 0);
  const int other = (owner + 1) % kNodes;
  const ApiClient api(nodes_[static_cast<std::size_t>(other)].http_port, adminToken());
  const auto listed = api.get("/v1/rooms/remote/participants");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const nlohmann::json items = listed.json()["items"];
  ASSERT_EQ(items.size(), 2U) << listed.body;
  // Which participant is which: by the caller's Call-ID.
  std::string a_id;
  std::string b_id;
  for (const auto& p : items) {
    const std::string id = std::to_string(p["id"].get<std::int64_t>());
    (p.value("call_id", "") == a.sip->callId() ? a_id : b_id) = id;
  }
  ASSERT_FALSE(a_id.empty()) << listed.body;
  ASSERT_FALSE(b_id.empty()) << listed.body;
  const auto muted = api.patch("/v1/rooms/remote/participants/" + a_id, R"({"muted":true})");
  ASSERT_EQ(muted.status, 200) << muted.body;
  runFrames({a.media.get(), b.media.get()}, 50);
  EXPECT_LT(level(b, 600), kNotHeard) << "the mute did not reach the room's node";
  EXPECT_GT(level(a, 900), kHeard);
  const auto kicked = api.del("/v1/rooms/remote/participants/" + b_id);
  EXPECT_LT(kicked.status, 300) << kicked.body;
  EXPECT_TRUE(eventually(
      [&] {
        const auto now = api.get("/v1/rooms/remote/participants");
        return now.status == 200 && now.json()["items"].size() == 1;
      },
      5s))
      << "the kick did not reach the room's node";

  // A join on the owner is streamed by a third node's /v1/events (the events table is shared),
  // replayed from the newest event before it.
  const int third = (owner + 2) % kNodes;
  const std::string before = db_.scalar("SELECT coalesce(max(id), 0) FROM events");
  Caller c = dialVia("remote", 1200);
  const auto seen =
      readEvents(nodes_[static_cast<std::size_t>(third)].http_port, adminToken(), before, 3s);
  bool joined = false;
  for (const auto& e : seen) {
    joined =
        joined || (e.value("type", "") == "participant.joined" && e.value("room", "") == "remote");
  }
  EXPECT_TRUE(joined) << "node " << nodes_[static_cast<std::size_t>(third)].id
                      << " did not stream the join on "
                      << nodes_[static_cast<std::size_t>(owner)].id;
}

TEST_F(ClusterTest, ADialOutClaimsItsRoomSoTheRoomsCallersJoinItThere) {
  const std::uint16_t port = freeUdpTcpPort();
  ChildProcess callee({"/usr/bin/sipp", "-sf", std::string(MCU_SIPP_DIR) + "/uas_answer.xml", "-i",
                       "127.0.0.1", "-p", std::to_string(port), "-mi", "127.0.0.1", "-m", "3",
                       "-nostdin", "-timeout", "30s", "-timeout_error"},
                      {}, tempPath("sipp-cluster-callee"));
  ASSERT_TRUE(awaitListening(port, 10s)) << "sipp never bound its port";
  // Each node in turn would do: the room is nobody's yet.
  for (int placing = 0; placing < kNodes; ++placing) {
    const std::string room = "dialled-" + std::to_string(placing);
    const ApiClient api(nodes_[static_cast<std::size_t>(placing)].http_port, adminToken());
    ASSERT_EQ(api.post("/v1/rooms", R"({"name":")" + room + R"("})").status, 201);
    const auto placed =
        api.post("/v1/rooms/" + room + "/participants",
                 R"({"uri":"sip:carol@127.0.0.1:)" + std::to_string(port) + R"("})");
    ASSERT_LT(placed.status, 300) << placed.body;
    EXPECT_EQ(ownerOf(room), nodes_[static_cast<std::size_t>(placing)].id)
        << "the node that dials out owns the room first";
    // Whichever node the proxy picks for the room's caller, the caller joins it where the
    // dial-out is (directly, or after a 302).
    Caller caller = dialVia(room, 600);
    EXPECT_EQ(db_.awaitScalar("SELECT count(*) FROM calls WHERE room_name = '" + room +
                                  "' AND direction = 'in' AND node_id = '" +
                                  nodes_[static_cast<std::size_t>(placing)].id + "'",
                              "1"),
              "1");
  }
}

}  // namespace
}  // namespace mcu::test
