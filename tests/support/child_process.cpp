#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mcu::test {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                           std::string output_path)
    : output_path_(std::move(output_path)) {
  // Created (empty) before the fork, so a reader never sees an older file of the same name.
  const int out_fd = ::open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // Dies with the test, even if the test crashes before its destructors run.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    if (out_fd >= 0) {
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(out_fd, STDERR_FILENO);
    }
    for (const auto& [name, value] : env) {
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (out_fd >= 0) {
    ::close(out_fd);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    waitExit(std::chrono::seconds(10));
  }
  // Failing assertions print the output they need; the file itself is not kept.
  ::unlink(output_path_.c_str());
}

bool ChildProcess::running() { return !waitExit(std::chrono::milliseconds(0)).has_value(); }

void ChildProcess::signal(int sig) {
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, sig);
  }
}

std::optional<int> ChildProcess::waitExit(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= until) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_code_;
}

std::string ChildProcess::output() const { return readFile(output_path_); }

bool ChildProcess::waitForOutput(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (output().find(needle) != std::string::npos) {
      return true;
    }
    if (!running()) {
      return output().find(needle) != std::string::npos;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::map<std::string, std::string>& env) {
  const std::string out = tempPath("cmd");
  ChildProcess child(argv, env, out);
  CommandResult result;
  if (auto code = child.waitExit(timeout)) {
    result.exit_code = *code;
  } else {
    child.signal(SIGKILL);
    child.waitExit(std::chrono::seconds(5));
    result.exit_code = -1;
  }
  result.output = readFile(out);
  ::unlink(out.c_str());
  return result;
}

TempPath::~TempPath() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool requireTool(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tempPath(const std::string& stem) {
  // mkstemp: unique even when a PID of an earlier run comes round again.
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/mcu-test-" + stem + "-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd >= 0) {
    ::close(fd);
  }
  return path;
}

}  // namespace mcu::test
