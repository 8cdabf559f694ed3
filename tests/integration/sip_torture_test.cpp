// RFC 4475's 49 torture messages, over UDP and over TCP, against the real server: it answers
// the valid requests, never accepts an invalid one, and keeps serving everyone else.
#include <dirent.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

struct TortureCase {
  std::string file;
  std::string klass;  // valid, invalid, semantic, compat
  std::string bytes;
};

std::string tortureDir() {
  const char* dir = std::getenv("MCU_TORTURE_DIR");
  return dir != nullptr ? dir : std::string(MCU_SOURCE_DIR) + "/tests/data/sip-torture/rfc4475";
}

std::vector<TortureCase> loadCases() {
  std::vector<TortureCase> cases;
  std::ifstream manifest(tortureDir() + "/../MANIFEST.tsv");
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    const auto t3 = line.find('\t', t2 + 1);
    TortureCase c{line.substr(0, t1), line.substr(t2 + 1, t3 - t2 - 1), ""};
    c.bytes = readFile(tortureDir() + "/" + c.file);
    cases.push_back(std::move(c));
  }
  return cases;
}

bool isRequest(const std::string& bytes) { return bytes.rfind("SIP/2.0 ", 0) != 0; }

// An invalid request must not succeed: 4xx, or 505 for an unsupported SIP version (§3.1.2.16).
bool isRejection(const std::string& status) {
  return status.rfind("SIP/2.0 4", 0) == 0 || status.rfind("SIP/2.0 505", 0) == 0;
}

// Invalid by the RFC's letter, but sofia-sip's parser tolerates them and we answer normally:
// trws.sip (§3.1.2.9) only adds trailing whitespace after the SIP-Version, and the RFC says an
// element "should" (not must) reject it. Kept explicit so a change in behaviour shows up.
// badaspec.sip (§3.1.2.15) has a malformed Accept parameter that nua never needs to parse.
bool toleratedInvalid(const std::string& file) {
  return file == "trws.sip" || file == "badaspec.sip";
}

class SipTortureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cases_ = loadCases();
    ASSERT_EQ(cases_.size(), 49U) << "RFC 4475 messages not found in " << tortureDir();
    for (const auto& c : cases_) {
      ASSERT_FALSE(c.bytes.empty()) << c.file;
    }
    server_ = std::make_unique<ServerProcess>(db_.url());
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  }
  void expectStillServing() {
    ASSERT_TRUE(server_->process().running()) << server_->process().output();
    const auto reply = udpExchange(server_->sipPort(), optionsRequest(9, "UDP"), 2s);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(statusLine(*reply), "SIP/2.0 200 OK");
  }

  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
  std::vector<TortureCase> cases_;
};

// Every message at once, each from a socket of its own: most get no reply here (below), and
// one after the other each waited out its 300 ms (15 s over UDP, 12 over TCP). A message that
// brings the server down fails expectStillServing, with the server's report in the output.
TEST_F(SipTortureTest, EveryMessageOverUdp) {
  std::vector<std::string> messages;
  for (const auto& c : cases_) {
    messages.push_back(c.bytes);
  }
  // Replies to these messages go to the (loopback) addresses in their Via headers, so only
  // some come back to our socket; the verdicts we can see are checked.
  const auto replies = udpExchangeEach(server_->sipPort(), messages, 3s);
  int answered_valid = 0;
  for (std::size_t i = 0; i < cases_.size(); ++i) {
    const auto& c = cases_[i];
    SCOPED_TRACE(c.file);
    if (replies[i] && isRequest(c.bytes)) {
      const std::string status = statusLine(*replies[i]);
      if (c.klass == "invalid" && !toleratedInvalid(c.file)) {
        EXPECT_TRUE(isRejection(status)) << "an invalid request was not rejected: " << status;
      }
      if (c.klass == "valid") {
        EXPECT_NE(status.substr(0, 11), "SIP/2.0 400") << "a valid request was refused as bad";
        ++answered_valid;
      }
    }
  }
  expectStillServing();
  EXPECT_GT(answered_valid, 0) << "no valid torture request got an answer";
}

TEST_F(SipTortureTest, EveryMessageOverTcp) {
  std::vector<std::string> messages;
  for (const auto& c : cases_) {
    // As sent over TCP, so that the server's Via check accepts them and answers on the
    // connection (sent as they are, sofia drops them: "invalid transport").
    std::string bytes = c.bytes;
    for (auto p = bytes.find("SIP/2.0/UDP"); p != std::string::npos;
         p = bytes.find("SIP/2.0/UDP")) {
      bytes.replace(p, 11, "SIP/2.0/TCP");
    }
    messages.push_back(std::move(bytes));
  }
  const auto streams = tcpExchangeEach(server_->sipPort(), messages, 3s);
  int rejected_invalid = 0;
  for (std::size_t i = 0; i < cases_.size(); ++i) {
    const auto& c = cases_[i];
    SCOPED_TRACE(c.file);
    const std::string status = finalStatus(streams[i]);
    if (!status.empty() && isRequest(c.bytes)) {
      if (c.klass == "invalid" && !toleratedInvalid(c.file)) {
        EXPECT_TRUE(isRejection(status)) << status;
        ++rejected_invalid;
      }
      if (c.klass == "valid") {
        EXPECT_NE(status.substr(0, 11), "SIP/2.0 400") << status;
      }
    }
  }
  expectStillServing();
  EXPECT_GE(rejected_invalid, 10) << "most invalid requests should be answered with an error";
}

// RFC 4475 §3.1.1.4's method "!interesting-Method0123456789_*+`.%indeed'~" is a legal token;
// sofia-sip's own parser refused the backquote and dropped the message unanswered. With our
// message class it is an unknown method: 501 over both transports. (intmeth.sip itself also
// has a NUL inside its To header, which sofia's header extraction cannot carry, so it stays
// unanswered; see the closing note of issue 11.)
TEST_F(SipTortureTest, AMethodWithLegalPunctuationIsAnswered501) {
  const std::string method = "!interesting-Method0123456789_*+`.%indeed'~";
  for (const std::string transport : {"UDP", "TCP"}) {
    SCOPED_TRACE(transport);
    std::string request = optionsRequest(9, transport);
    for (auto at = request.find("OPTIONS"); at != std::string::npos; at = request.find("OPTIONS")) {
      request.replace(at, 7, method);
    }
    const std::string status =
        transport == "UDP" ? statusLine(udpExchange(server_->sipPort(), request, 2s).value_or(""))
                           : finalStatus(tcpExchange(server_->sipPort(), request, 2s));
    EXPECT_EQ(status.substr(0, 11), "SIP/2.0 501") << status;
  }
  expectStillServing();
}

TEST_F(SipTortureTest, AllAtOnceOverBothTransports) {
  for (const auto& c : cases_) {
    udpExchange(server_->sipPort(), c.bytes, 0ms);
  }
  std::string all;
  for (const auto& c : cases_) {
    all += c.bytes;
  }
  tcpExchange(server_->sipPort(), all, 1s);
  expectStillServing();
}

}  // namespace
}  // namespace mcu::test
