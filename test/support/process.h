// A child process for integration tests: a receiver (rsyslog, syslog-ng, syslog-sink) or a
// command such as openssl. Its stdout and stderr go to files, so a failing test can show what
// the child said.
//
// Not thread-safe: one test thread owns a Process. The child gets PR_SET_PDEATHSIG(SIGKILL), so
// a test process killed by ctest's timeout leaves no receiver behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nozzle::test {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is a path, or a name looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // added to the test's environment
  std::filesystem::path stdout_path;  // empty: /dev/null
  std::filesystem::path stderr_path;  // empty: /dev/null
};

class Process {
 public:
  // Starts the child. Throws std::runtime_error when it cannot be started (exec failed).
  explicit Process(ProcessOptions options);
  // stop()s a child still running.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // False once the child has exited (it is reaped here).
  [[nodiscard]] bool running();
  // The wait status's meaning once it has exited: the exit code, or 128 + the signal number.
  [[nodiscard]] std::optional<int> exit_code() const { return exit_code_; }
  // Waits for the child to exit by itself; false when it is still running at the timeout.
  bool wait_exit(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL when it has not exited within `grace`. Returns the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL at once (a crash); returns the exit code.
  int kill_now();

  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;
  // The command line, its state and the end of both outputs, for a failure message.
  [[nodiscard]] std::string describe() const;

 private:
  ProcessOptions options_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;  // -1 when it was killed at the timeout
  std::string output;  // stdout then stderr
};

// Runs a command to completion (killed after `timeout`), its output captured in `work_dir`.
RunResult run(std::vector<std::string> argv, const std::filesystem::path& work_dir,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace nozzle::test
