// What operators load into Prometheus and Grafana, checked against a real server: promtool
// accepts our /metrics and the shipped alert rules, every query of the rules and of the
// dashboard parses, and every metric they name is one the server exports. The INVITE outcome
// counter is checked against calls this test makes.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/call_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/eventually.h"

namespace mcu::test {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

std::string repoFile(const std::string& relative) {
  return readFile(std::string(MCU_SOURCE_DIR) + "/" + relative);
}

// The metric names a PromQL expression reads (identifiers that start with mcu_ or process_;
// histogram series are named by their family).
std::set<std::string> metricsIn(const std::string& expr) {
  static const std::regex kName(R"(\b((?:mcu|process)_[a-z0-9_]+))");
  std::set<std::string> names;
  for (std::sregex_iterator it(expr.begin(), expr.end(), kName), end; it != end; ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

// The names /metrics exports: each TYPE line's family, plus its histogram series.
std::set<std::string> exported(const std::string& metrics) {
  static const std::regex kType(R"(# TYPE ([a-z0-9_]+) ([a-z]+))");
  std::set<std::string> names;
  for (std::sregex_iterator it(metrics.begin(), metrics.end(), kType), end; it != end; ++it) {
    const std::string family = (*it)[1].str();
    names.insert(family);
    if ((*it)[2].str() == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        names.insert(family + suffix);
      }
    }
  }
  return names;
}

// Every expression, as a recording rule, so that promtool parses it.
std::string asRules(const std::vector<std::string>& exprs) {
  std::string yaml = "groups:\n  - name: dashboard\n    rules:\n";
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    // Grafana's variables are not PromQL: the test's stand-in for "all nodes".
    const std::string expr =
        std::regex_replace(exprs[i], std::regex(R"(\$instance)"), std::string(".*"));
    yaml += "      - record: dashboard:query" + std::to_string(i) +
            "\n        expr: " + nlohmann::json(expr).dump() + "\n";
  }
  return yaml;
}

TEST_F(SipCallTest, PromtoolAcceptsOurMetricsAlertsAndDashboardQueries) {
  ASSERT_TRUE(requireTool(kPromtool));
  // One answered call and one refused INVITE, so the outcome counter has something to say.
  Caller a = dial("observed", "opus", 500);
  int status = 0;
  dial("bad*room", "opus", 500, &status);
  ASSERT_EQ(status, 404);
  const std::string metrics = server_->get("/metrics").body;
  EXPECT_NE(metrics.find("mcu_sip_invites_total{class=\"2xx\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("mcu_sip_invites_total{class=\"4xx\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("mcu_ready 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nmcu_participants 1\n"), std::string::npos);
  EXPECT_NE(metrics.find("\nmcu_participants_p95_loss_ratio "), std::string::npos);

  // promtool's lint of the exposition (names, units, _total on counters, HELP on each).
  const TempPath scraped("metrics");
  std::ofstream(scraped.path()) << metrics;
  const auto lint =
      runCommand({"/bin/sh", "-c", std::string(kPromtool) + " check metrics < " + scraped.path()},
                 std::chrono::seconds(30));
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output.find("WARN"), std::string::npos) << lint.output;

  // The alert rules parse, and name only what we export.
  const std::string alerts_path = std::string(MCU_SOURCE_DIR) + "/deploy/prometheus/mcu-alerts.yml";
  const auto rules =
      runCommand({kPromtool, "check", "rules", alerts_path}, std::chrono::seconds(30));
  EXPECT_EQ(rules.exit_code, 0) << rules.output;
  const auto names = exported(metrics);
  for (const auto& name : metricsIn(repoFile("deploy/prometheus/mcu-alerts.yml"))) {
    EXPECT_TRUE(names.contains(name)) << "the alerts read " << name << ", which is not exported";
  }
  const auto config =
      runCommand({kPromtool, "check", "config",
                  std::string(MCU_SOURCE_DIR) + "/deploy/prometheus/prometheus.yml"},
                 std::chrono::seconds(30));
  EXPECT_EQ(config.exit_code, 0) << config.output;

  // The dashboard: valid JSON, every panel's queries parse and read exported metrics.
  const auto dashboard = nlohmann::json::parse(repoFile("deploy/grafana/mcu-dashboard.json"));
  std::vector<std::string> exprs;
  for (const auto& panel : dashboard.at("panels")) {
    ASSERT_FALSE(panel.at("targets").empty()) << panel.at("title");
    for (const auto& target : panel.at("targets")) {
      exprs.push_back(target.at("expr").get<std::string>());
    }
  }
  ASSERT_GE(exprs.size(), 8U);
  for (const auto& expr : exprs) {
    for (const auto& name : metricsIn(expr)) {
      EXPECT_TRUE(names.contains(name)) << "the dashboard reads " << name << " in " << expr;
    }
  }
  const TempPath dashboard_rules("dashboard-rules.yml");
  std::ofstream(dashboard_rules.path()) << asRules(exprs);
  const auto parsed =
      runCommand({kPromtool, "check", "rules", dashboard_rules.path()}, std::chrono::seconds(30));
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output;
}

// media.realtime_priority is 10 unless configured: a server allowed SCHED_FIFO (root here, as
// in CI; or the packaged unit's LimitRTPRIO=20) runs every media thread under it, with no
// setting of its own, and none has had to give it up.
TEST_F(SipCallTest, TheMediaThreadsRunUnderSchedFifoWithoutBeingConfiguredTo) {
  ASSERT_EQ(::geteuid(), 0U) << "needs root (CAP_SYS_NICE), as in CI";
  using namespace std::chrono_literals;
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());
  const std::regex realtime("\nmcu_media_realtime_threads ([0-9]+)\n");
  std::string metrics;
  int threads = -1;
  // The threads publish their state five times a second: the first scrape may precede it.
  test::eventually(
      [&] {
        metrics = server_->get("/metrics").body;
        std::smatch m;
        threads = std::regex_search(metrics, m, realtime) ? std::stoi(m[1].str()) : -1;
        return threads == cores;
      },
      10s);
  EXPECT_EQ(threads, cores) << "every media thread (one per core by default)\n" << metrics;
  EXPECT_NE(metrics.find("\nmcu_media_realtime_drops_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace mcu::test
