// A program started by a test: output to a file, killed (by its PID) and reaped when the object
// goes, and killed by the kernel if the test process dies first, so no run leaves one behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcu::test {

class ChildProcess {
 public:
  // `env` entries are added to (or replace) the test's own environment.
  ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env,
               std::string output_path);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // The exit code once it has exited within `timeout` (128+N when killed by signal N).
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  std::string output() const;
  // Waits until the output contains `needle`; false on timeout or when the process exited.
  bool waitForOutput(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string output_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

// Runs a command to completion (killed after `timeout`), returning its exit code and output.
CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                         const std::map<std::string, std::string>& env = {});

// Fails the calling test (returns false) if `path` is not an executable: a missing tool is
// an error, never a silent skip.
bool requireTool(const std::string& path);

std::string readFile(const std::string& path);
std::string tempPath(const std::string& stem);

// A temporary file or directory tree, removed when the test ends, pass or fail.
class TempPath {
 public:
  explicit TempPath(const std::string& stem) : path_(tempPath(stem)) {}
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  ~TempPath();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mcu::test
