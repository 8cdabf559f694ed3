#include "mcu/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <regex>

#include "mcu/common/build_info.h"
#include "mcu/config/command_line.h"
#include "mcu/config/config_schema.h"

namespace mcu::config {
namespace {

constexpr const char* kUrl = "postgresql://mcu@127.0.0.1:5432/mcu";

class ConfigTest : public ::testing::Test {
 protected:
  std::string writeToml(const std::string& text) {
    path_ = "/tmp/mcu-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  static FlagValues withFile(const std::string& file) {
    FlagValues f;
    f.config_file = file;
    return f;
  }
  std::string path_;
};

Config mustLoad(const FlagValues& flags, const Environment& env) {
  auto result = load(flags, env);
  if (auto* err = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << err->key << ": " << err->problem;
    return {};
  }
  return std::get<Config>(result);
}

ConfigError mustFail(const FlagValues& flags, const Environment& env) {
  auto result = load(flags, env);
  EXPECT_TRUE(std::holds_alternative<ConfigError>(result)) << "expected a configuration error";
  return std::holds_alternative<ConfigError>(result) ? std::get<ConfigError>(result)
                                                     : ConfigError{};
}

TEST_F(ConfigTest, DefaultsWithOnlyADatabase) {
  const Config c = mustLoad({}, {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(c.sip_listen, (HostPort{"0.0.0.0", 5060}));
  EXPECT_EQ(c.http_listen, (HostPort{"127.0.0.1", 8080}));
  EXPECT_EQ(c.shutdown_timeout_s, 10);
  EXPECT_EQ(c.database_url, kUrl);
  EXPECT_FALSE(c.sip_tls_listen.has_value());
}

TEST_F(ConfigTest, MissingDatabaseUrlNamesTheKey) {
  const ConfigError e = mustFail({}, {});
  EXPECT_EQ(e.key, "database.url");
  EXPECT_NE(e.problem.find("DATABASE_URL"), std::string::npos);
}

TEST_F(ConfigTest, FileThenEnvironmentThenFlagsTakePrecedence) {
  const auto file = writeToml(R"(
[sip]
listen = "127.0.0.1:5070"
retry_after_s = 5
[http]
listen = "127.0.0.1:9000"
[database]
url = "postgresql://file@127.0.0.1/mcu"
[shutdown]
timeout_s = 3
)");
  FlagValues flags = withFile(file);
  flags.by_key["http.listen"] = "127.0.0.1:9002";
  const Config c = mustLoad(flags, {{"MCU_HTTP_LISTEN", "127.0.0.1:9001"},
                                    {"MCU_SHUTDOWN_TIMEOUT_S", "4"},
                                    {"DATABASE_URL", kUrl}});
  EXPECT_EQ(c.sip_listen, (HostPort{"127.0.0.1", 5070}));  // file only
  EXPECT_EQ(c.sip_retry_after_s, 5);
  EXPECT_EQ(c.shutdown_timeout_s, 4);                       // env over file
  EXPECT_EQ(c.http_listen, (HostPort{"127.0.0.1", 9002}));  // flag over env over file
  EXPECT_EQ(c.database_url, kUrl);                          // DATABASE_URL over file
}

TEST_F(ConfigTest, ConfigFileFromEnvironment) {
  const auto file = writeToml("[log]\nlevel = \"debug\"\n");
  const Config c = mustLoad({}, {{"MCU_CONFIG", file}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(c.log_level, log::Level::kDebug);
}

TEST_F(ConfigTest, UnknownKeyInFileIsNamed) {
  const auto file = writeToml("[sip]\nlisten = \"0.0.0.0:5060\"\nlisen_port = 5\n");
  const ConfigError e = mustFail(withFile(file), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.lisen_port");
  EXPECT_EQ(e.problem, "unknown key");
  EXPECT_EQ(e.source, "file:" + file);
}

TEST_F(ConfigTest, UnknownSectionIsNamed) {
  const auto file = writeToml("[video]\nthreads = 2\n");
  EXPECT_EQ(mustFail(withFile(file), {{"DATABASE_URL", kUrl}}).key, "video.threads");
}

TEST_F(ConfigTest, WrongTypeIsNamed) {
  const auto file = writeToml("[shutdown]\ntimeout_s = \"ten\"\n");
  const ConfigError e = mustFail(withFile(file), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "shutdown.timeout_s");
  EXPECT_EQ(e.problem, "wrong type: expected integer, got string");
}

TEST_F(ConfigTest, StringWhereIntegerGivenInFileIsWrongType) {
  const auto file = writeToml("[sip]\nlisten = 5060\n");
  const ConfigError e = mustFail(withFile(file), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.listen");
  EXPECT_EQ(e.problem, "wrong type: expected string, got integer");
}

TEST_F(ConfigTest, PortOutOfRangeFromEnvironment) {
  const ConfigError e = mustFail({}, {{"MCU_SIP_LISTEN", "0.0.0.0:70000"}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.listen");
  EXPECT_EQ(e.source, "env:MCU_SIP_LISTEN");
  EXPECT_EQ(e.problem, "port 70000 out of range 1-65535");
}

TEST_F(ConfigTest, IntegerOutOfRangeFromFlag) {
  FlagValues flags;
  flags.by_key["shutdown.timeout_s"] = "0";
  const ConfigError e = mustFail(flags, {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "shutdown.timeout_s");
  EXPECT_EQ(e.source, "flag:--shutdown-timeout-s");
  EXPECT_EQ(e.problem, "0 out of range 1-600");
}

TEST_F(ConfigTest, NotANumber) {
  const ConfigError e = mustFail({}, {{"MCU_SIP_RETRY_AFTER_S", "3s"}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.retry_after_s");
  EXPECT_NE(e.problem.find("expected an integer"), std::string::npos);
}

TEST_F(ConfigTest, BooleansAndCodecLists) {
  const auto file = writeToml("[rooms]\non_demand = false\n[media]\ncodecs = \"PCMA,opus\"\n");
  const Config c = mustLoad(withFile(file), {{"DATABASE_URL", kUrl}});
  EXPECT_FALSE(c.rooms_on_demand);
  EXPECT_EQ(c.media_codecs, "PCMA,opus");
  EXPECT_EQ(mustFail({}, {{"MCU_ROOMS_ON_DEMAND", "maybe"}, {"DATABASE_URL", kUrl}}).key,
            "rooms.on_demand");
  EXPECT_EQ(mustFail({}, {{"MCU_MEDIA_CODECS", "opus,G729"}, {"DATABASE_URL", kUrl}}).problem,
            "unknown codec \"G729\" (opus, G722, PCMU, PCMA)");
  const auto wrong = writeToml("[rooms]\non_demand = \"yes\"\n");
  EXPECT_EQ(mustFail(withFile(wrong), {{"DATABASE_URL", kUrl}}).problem,
            "wrong type: expected boolean, got string");
}

TEST_F(ConfigTest, DatabaseUrlMustBeAPostgresUri) {
  EXPECT_EQ(mustFail({}, {{"DATABASE_URL", "mysql://x"}}).key, "database.url");
}

TEST_F(ConfigTest, UnreadableCertificateDirectory) {
  const ConfigError e = mustFail({}, {{"MCU_SIP_TLS_LISTEN", "127.0.0.1:5061"},
                                      {"MCU_SIP_TLS_CERT_DIR", "/nonexistent/certs"},
                                      {"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.tls_cert_dir");
  EXPECT_NE(e.problem.find("/nonexistent/certs/agent.pem"), std::string::npos);
}

TEST_F(ConfigTest, APromptDirectoryThatIsNoDirectoryIsNamed) {
  for (const char* dir : {"/nonexistent/prompts", "/proc/self/status"}) {
    const ConfigError e = mustFail({}, {{"MCU_PROMPTS_DIR", dir}, {"DATABASE_URL", kUrl}});
    EXPECT_EQ(e.key, "prompts.dir") << dir;
    EXPECT_NE(e.problem.find(dir), std::string::npos) << e.problem;
  }
}

TEST_F(ConfigTest, APathTheKernelRefusesIsNamedNotThrown) {
  const std::string tooLong(5000, 'd');  // over PATH_MAX: stat fails with ENAMETOOLONG
  for (const char* key : {"prompts.dir", "recordings.dir"}) {
    std::string variable = std::string("MCU_") + key;
    for (char& c : variable) c = c == '.' ? '_' : static_cast<char>(std::toupper(c));
    const ConfigError e = mustFail({}, {{variable, tooLong}, {"DATABASE_URL", kUrl}});
    EXPECT_EQ(e.key, key);
  }
  const ConfigError music = mustFail(
      {},
      {{"MCU_PROMPTS_DIR", "/proc/self"}, {"MCU_PROMPTS_MUSIC", tooLong}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(music.key, "prompts.music");
}

TEST_F(ConfigTest, MusicIsAReadableFileOfThePromptDirectory) {
  EXPECT_EQ(mustFail({}, {{"MCU_PROMPTS_MUSIC", "music.wav"}, {"DATABASE_URL", kUrl}}).key,
            "prompts.music")
      << "needs prompts.dir";
  for (const char* music : {"missing.wav", "../status", "."}) {
    const ConfigError e = mustFail(
        {},
        {{"MCU_PROMPTS_DIR", "/proc/self"}, {"MCU_PROMPTS_MUSIC", music}, {"DATABASE_URL", kUrl}});
    EXPECT_EQ(e.key, "prompts.music") << music;
    EXPECT_NE(e.problem.find(music), std::string::npos) << e.problem;
  }
}

TEST_F(ConfigTest, TlsListenNeedsCertificateDirectory) {
  const ConfigError e =
      mustFail({}, {{"MCU_SIP_TLS_LISTEN", "127.0.0.1:5061"}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "sip.tls_cert_dir");
}

TEST_F(ConfigTest, HttpsNeedsBothReadableFiles) {
  const std::string kPem = std::string(MCU_SOURCE_DIR) + "/tests/data/tls/agent.pem";
  EXPECT_EQ(mustFail({}, {{"MCU_HTTP_TLS_CERT", kPem}, {"DATABASE_URL", kUrl}}).key,
            "http.tls_key");
  const ConfigError unreadable = mustFail({}, {{"MCU_HTTP_TLS_CERT", kPem},
                                               {"MCU_HTTP_TLS_KEY", "/nonexistent/key.pem"},
                                               {"DATABASE_URL", kUrl}});
  EXPECT_EQ(unreadable.key, "http.tls_key");
  EXPECT_NE(unreadable.problem.find("/nonexistent/key.pem"), std::string::npos);
}

TEST_F(ConfigTest, LogLevelsPerComponentFromFileAndEnvironment) {
  const auto file = writeToml("[log]\nlevel = \"warn\"\n[log.components]\nsip = \"debug\"\n");
  const Config c = mustLoad(
      withFile(file), {{"MCU_LOG_COMPONENTS", "db=error,http=trace"}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(c.log_level, log::Level::kWarn);
  EXPECT_EQ(c.log_components.at("sip"), log::Level::kDebug);
  EXPECT_EQ(c.log_components.at("db"), log::Level::kError);
  EXPECT_EQ(c.log_components.at("http"), log::Level::kTrace);
}

TEST_F(ConfigTest, BadLogLevelIsNamed) {
  const ConfigError e = mustFail({}, {{"MCU_LOG_COMPONENTS", "sip=loud"}, {"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "log.components");
  EXPECT_NE(e.problem.find("loud"), std::string::npos);
}

TEST_F(ConfigTest, TomlSyntaxErrorGivesTheLine) {
  const auto file = writeToml("[sip]\nlisten = \"0.0.0.0:5060\n");
  const ConfigError e = mustFail(withFile(file), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "config");
  EXPECT_NE(e.problem.find("TOML syntax"), std::string::npos);
  EXPECT_NE(e.source.find(":2"), std::string::npos);
}

TEST_F(ConfigTest, UnreadableConfigFile) {
  const ConfigError e = mustFail(withFile("/nonexistent/mcu.toml"), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(e.key, "config");
  EXPECT_EQ(e.problem, "cannot read the file");
}

TEST_F(ConfigTest, ExampleFileInDeployHasEveryKeyAndLoads) {
  const std::string example = std::string(MCU_SOURCE_DIR) + "/deploy/mcu.toml.example";
  const Config c = mustLoad(withFile(example), {{"DATABASE_URL", kUrl}});
  EXPECT_EQ(c.sip_listen, (HostPort{"0.0.0.0", 5060}));
  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& spec : optionSpecs()) {
    const auto dot = spec.key.find('.');
    const std::string name(spec.key.substr(dot + 1));
    EXPECT_NE(text.find(name), std::string::npos) << spec.key << " is not in the example file";
  }
}

TEST(CommandLineTest, HelpDocumentsEveryOption) {
  const char* argv[] = {"mcu", "--help"};
  auto parsed = parseCommandLine(2, argv);
  ASSERT_TRUE(std::holds_alternative<CommandLineExit>(parsed));
  const auto& exit = std::get<CommandLineExit>(parsed);
  EXPECT_EQ(exit.code, 0);
  for (const auto& spec : optionSpecs()) {
    EXPECT_NE(exit.text.find(std::string(spec.flag)), std::string::npos) << spec.flag;
    EXPECT_NE(exit.text.find(std::string(spec.env)), std::string::npos) << spec.env;
  }
}

TEST(CommandLineTest, FlagsAreCollectedByKey) {
  const char* argv[] = {"mcu", "--sip-listen", "127.0.0.1:5099", "-c", "/etc/mcu.toml"};
  auto parsed = parseCommandLine(5, argv);
  ASSERT_TRUE(std::holds_alternative<ParsedCommandLine>(parsed));
  const auto& flags = std::get<ParsedCommandLine>(parsed).flags;
  EXPECT_EQ(flags.by_key.at("sip.listen"), "127.0.0.1:5099");
  EXPECT_EQ(flags.config_file, "/etc/mcu.toml");
  EXPECT_EQ(flags.by_key.count("http.listen"), 0U);
}

TEST(CommandLineTest, VersionNamesTheVersionCommitAndBuildTypeAndExitsWithZero) {
  const char* argv[] = {"mcu", "--version"};
  auto parsed = parseCommandLine(2, argv);
  ASSERT_TRUE(std::holds_alternative<CommandLineExit>(parsed));
  const auto& exit = std::get<CommandLineExit>(parsed);
  EXPECT_EQ(exit.code, 0);
  const BuildInfo& b = buildInfo();
  EXPECT_EQ(b.version, MCU_PROJECT_VERSION) << "the project's version (CMakeLists.txt)";
  EXPECT_TRUE(std::regex_match(std::string(b.commit), std::regex("[0-9a-f]{12}(-dirty)?")))
      << "this test runs in a git clone: " << b.commit;
  EXPECT_EQ(exit.text, "mcu " MCU_PROJECT_VERSION " (commit " + std::string(b.commit) + ", " +
                           std::string(b.build_type) + " build)\n");
  EXPECT_FALSE(b.build_type.empty());
}

TEST(CommandLineTest, UnknownFlagExitsWithTwo) {
  const char* argv[] = {"mcu", "--no-such-flag"};
  auto parsed = parseCommandLine(2, argv);
  ASSERT_TRUE(std::holds_alternative<CommandLineExit>(parsed));
  EXPECT_EQ(std::get<CommandLineExit>(parsed).code, 2);
}

}  // namespace
}  // namespace mcu::config
