// The Debian package as an operator meets it, on this machine: built by CPack from this build,
// lintian without an error, the unit accepted by systemd-analyze, installed with dpkg (the mcu
// user made, the environment file kept from other users), started the way its unit says (its
// User, EnvironmentFile and ExecStart) against a real PostgreSQL, READY=1 and /readyz 200,
// stopped by SIGTERM with STOPPING=1 and exit 0, then purged with nothing left behind.
//
// There is no systemd as PID 1 here (CI runs in a container), so the test plays it: it reads
// the installed unit and runs its command as its user, with NOTIFY_SOCKET pointing at the test.
// The unit's sandboxing (ProtectSystem= etc.) is not exercised by this; systemd-analyze checks
// that it is well-formed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/net.h"
#include "tests/support/notify_socket.h"
#include "tests/support/test_database.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kUnit = "/usr/lib/systemd/system/mcu.service";

// Root's commands: dpkg, and the server started as the mcu user.
std::vector<std::string> asRoot(std::vector<std::string> argv) {
  if (::geteuid() != 0) {
    argv.insert(argv.begin(), {"sudo", "-n", "--"});
  }
  return argv;
}

CommandResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 120s) {
  return runCommand(asRoot(argv), timeout);
}

bool packageInstalled() {
  const auto status = runCommand({"dpkg-query", "-W", "-f=${Status}", "mcu"}, 30s);
  return status.exit_code == 0 && status.output.find("installed") != std::string::npos &&
         status.output.find("not-installed") == std::string::npos;
}

// `Key=value` lines of a unit section or an environment file (comments and blanks skipped).
std::map<std::string, std::string> keyValues(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || line[0] == '[' || eq == std::string::npos) {
      continue;
    }
    values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

// Purges the package and removes the user it made, however the test ends; the machine is left
// as it was found.
class Cleanup {
 public:
  explicit Cleanup(bool user_existed) : user_existed_(user_existed) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() {
    if (packageInstalled() || fs::exists("/etc/mcu")) {
      run({"dpkg", "--purge", "mcu"});
    }
    if (!user_existed_) {
      run({"deluser", "--system", "--quiet", "mcu"});
      run({"delgroup", "--system", "--quiet", "mcu"});
    }
  }

 private:
  bool user_existed_;
};

TEST(DebianPackageTest, BuildsInstallsStartsAnswersStopsAndPurgesCleanly) {
  for (const char* tool : {"/usr/bin/cpack", "/usr/bin/lintian", "/usr/bin/dpkg",
                           "/usr/bin/systemd-analyze", "/usr/bin/setpriv"}) {
    ASSERT_TRUE(requireTool(tool));
  }
  ASSERT_FALSE(packageInstalled())
      << "a package named mcu is installed on this machine: the test will not replace it";
  const bool user_existed = runCommand({"id", "mcu"}, 10s).exit_code == 0;
  Cleanup cleanup(user_existed);

  // Built.
  const TempPath out("deb");
  fs::remove(out.path());
  fs::create_directories(out.path());
  const auto built = runCommand(
      {"cpack", "-G", "DEB", "--config", MCU_BUILD_DIR "/CPackConfig.cmake", "-B", out.path()},
      300s);
  ASSERT_EQ(built.exit_code, 0) << built.output;
  const std::string deb = out.path() + "/mcu_" MCU_PROJECT_VERSION "_amd64.deb";
  ASSERT_TRUE(fs::exists(deb)) << built.output;

  // Checked: no lintian error (warnings are printed), the unit well-formed.
  const auto lint = runCommand({"lintian", "--fail-on", "error", deb}, 300s);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output.find("\nE: "), std::string::npos) << lint.output;

  // Installed.
  const auto installed = run({"dpkg", "-i", deb});
  ASSERT_EQ(installed.exit_code, 0) << installed.output;
  ASSERT_TRUE(packageInstalled());
  EXPECT_EQ(runCommand({"id", "-u", "mcu"}, 10s).exit_code, 0) << "postinst made the mcu user";
  struct stat env_file {};
  ASSERT_EQ(::stat("/etc/mcu/mcu.env", &env_file), 0);
  EXPECT_EQ(env_file.st_mode & 0777, 0640U) << "the database password is not world-readable";
  EXPECT_EQ(runCommand({"stat", "-c", "%U:%G", "/etc/mcu/mcu.env"}, 10s).output, "root:mcu\n");
  EXPECT_TRUE(fs::exists("/etc/mcu/mcu.toml"));
  const auto verified = runCommand({"systemd-analyze", "verify", kUnit}, 60s);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  const auto version = runCommand({"/usr/bin/mcu", "--version"}, 30s);
  EXPECT_EQ(version.output.rfind("mcu " MCU_PROJECT_VERSION " (commit ", 0), 0U) << version.output;

  // Configured as an operator would: the database and loopback listeners in the environment
  // file (a conffile; dpkg keeps the operator's edit).
  TestDatabase db;
  const std::uint16_t sip_port = freeUdpTcpPort();
  const std::uint16_t http_port = freeUdpTcpPort();
  {
    std::ofstream env("/etc/mcu/mcu.env", std::ios::app);
    env << "DATABASE_URL=" << db.url() << "\nMCU_SIP_LISTEN=127.0.0.1:" << sip_port
        << "\nMCU_HTTP_LISTEN=127.0.0.1:" << http_port << "\nMCU_MEDIA_BIND=127.0.0.1\n";
  }

  // Started as the unit says.
  const auto unit = keyValues(readFile(kUnit));
  ASSERT_EQ(unit.at("Type"), "notify");
  ASSERT_EQ(unit.at("User"), "mcu");
  std::map<std::string, std::string> env = keyValues(readFile(unit.at("EnvironmentFile")));
  NotifySocket systemd;
  ASSERT_TRUE(systemd.bound());
  env["NOTIFY_SOCKET"] = systemd.name();
  // The build under test has the sanitizers; the mcu user cannot read the clone's LSan
  // suppressions, and leaks are not this test's subject (the other suites check them).
  env["ASAN_OPTIONS"] = "detect_leaks=0";
  env["LSAN_OPTIONS"] = "";
  std::vector<std::string> argv = {"setpriv", "--reuid=mcu", "--regid=mcu", "--init-groups", "--"};
  for (const auto& w : words(unit.at("ExecStart"))) {
    argv.push_back(w);
  }
  const TempPath log("packaged-mcu-log");
  ChildProcess server(asRoot(argv), env, log.path());
  ASSERT_TRUE(systemd.await("READY=1", 60s).has_value()) << server.output();
  const auto readyz =
      tcpExchange(http_port, "GET /readyz HTTP/1.1\r\nHost: mcu\r\nConnection: close\r\n\r\n", 10s);
  EXPECT_EQ(readyz.rfind("HTTP/1.1 200", 0), 0U) << readyz;
  EXPECT_EQ(runCommand({"ps", "-o", "user=", "-p", std::to_string(server.pid())}, 10s).output,
            "mcu\n")
      << "the server runs as the unit's user";

  // Stopped as systemd stops it, right after READY. Nothing warms up after READY any more:
  // Opus and G.711 need no codec chain, and a media thread builds G.722 chains only once a
  // G.722 caller comes. (When the threads stocked Opus chains after READY, a SIGTERM in the
  // middle of that, on a first start under the sanitizers, overran the shutdown deadline.)
  const std::string metrics = tcpExchange(
      http_port, "GET /metrics HTTP/1.1\r\nHost: mcu\r\nConnection: close\r\n\r\n", 10s);
  EXPECT_NE(metrics.find("\nmcu_media_chains_built_ahead_total 0\n"), std::string::npos)
      << "no codec chain is built before a caller needs one";
  server.signal(SIGTERM);
  EXPECT_TRUE(systemd.await("STOPPING=1", 30s).has_value()) << server.output();
  const auto code = server.waitExit(30s);
  ASSERT_TRUE(code.has_value()) << server.output();
  EXPECT_EQ(*code, 0) << server.output();

  // Purged: nothing of it is left.
  const auto purged = run({"dpkg", "--purge", "mcu"});
  ASSERT_EQ(purged.exit_code, 0) << purged.output;
  EXPECT_FALSE(packageInstalled());
  for (const char* path :
       {"/usr/bin/mcu", "/etc/mcu", kUnit, "/usr/share/doc/mcu", "/var/lib/mcu"}) {
    EXPECT_FALSE(fs::exists(path)) << path << " is left after purge";
  }
}

}  // namespace
}  // namespace mcu::test
