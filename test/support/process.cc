#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "support/temp_dir.h"
#include "support/wait.h"

extern char** environ;

namespace nozzle::test {
namespace {

constexpr std::size_t kOutputTail = 4000;

std::string find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

std::string tail(std::string text) {
  if (text.size() > kOutputTail) text = "..." + text.substr(text.size() - kOutputTail);
  return text;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the child, between fork and exec, only async-signal-safe calls: the test process has
// other threads (drain pools, receivers' readers).
[[noreturn]] void exec_child(const char* file, char* const* argv, char* const* envp, const char* out,
                             const char* err, pid_t parent, int report_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  const int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
      dup2(err_fd, 2) < 0) {
    const int e = errno;
    (void)!write(report_fd, &e, sizeof e);
    _exit(127);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(file, argv, envp);
  const int e = errno;
  (void)!write(report_fd, &e, sizeof e);
  _exit(127);
}

}  // namespace

Process::Process(ProcessOptions options) : options_(std::move(options)) {
  if (options_.argv.empty()) throw std::invalid_argument("Process: empty argv");
  const std::string file = find_in_path(options_.argv[0]);
  const std::string out = options_.stdout_path.empty() ? "/dev/null" : options_.stdout_path.string();
  const std::string err = options_.stderr_path.empty() ? "/dev/null" : options_.stderr_path.string();

  std::vector<char*> argv;
  for (auto& a : options_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool overridden = false;
    for (const auto& [key, value] : options_.env) {
      overridden = overridden || (entry.size() > key.size() && entry.substr(0, key.size()) == key &&
                                  entry[key.size()] == '=');
    }
    if (!overridden) env_strings.emplace_back(entry);
  }
  for (const auto& [key, value] : options_.env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  // exec failures come back through a close-on-exec pipe: EOF means exec succeeded.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    const int e = errno;
    close(report[0]);
    close(report[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid_ == 0) exec_child(file.c_str(), argv.data(), envp.data(), out.c_str(), err.c_str(), parent, report[1]);
  close(report[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = decode_status(status);
    throw std::runtime_error("cannot start " + file + ": " + std::strerror(child_errno));
  }
}

Process::~Process() {
  if (!exit_code_) stop();
}

bool Process::running() {
  if (exit_code_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return true;
}

bool Process::wait_exit(std::chrono::milliseconds timeout) {
  return wait_until([this] { return !running(); }, timeout, std::chrono::milliseconds(5));
}

int Process::stop(std::chrono::milliseconds grace) {
  if (running()) {
    kill(pid_, SIGTERM);
    if (!wait_exit(grace)) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      exit_code_ = decode_status(status);
    }
  }
  return *exit_code_;
}

int Process::kill_now() {
  if (running()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = decode_status(status);
  }
  return *exit_code_;
}

std::string Process::stdout_text() const {
  return options_.stdout_path.empty() ? std::string() : read_file(options_.stdout_path);
}

std::string Process::stderr_text() const {
  return options_.stderr_path.empty() ? std::string() : read_file(options_.stderr_path);
}

std::string Process::describe() const {
  std::string d = "command:";
  for (const auto& a : options_.argv) d += " " + a;
  d += exit_code_ ? "\nexited with " + std::to_string(*exit_code_) : std::string("\nstill running");
  d += "\n--- stdout ---\n" + tail(stdout_text());
  d += "\n--- stderr ---\n" + tail(stderr_text());
  return d;
}

RunResult run(std::vector<std::string> argv, const std::filesystem::path& work_dir,
              std::chrono::milliseconds timeout) {
  static std::atomic<int> sequence{0};
  const std::string id = std::to_string(sequence++);
  Process p({.argv = std::move(argv),
             .stdout_path = work_dir / ("run-" + id + ".out"),
             .stderr_path = work_dir / ("run-" + id + ".err")});
  RunResult result;
  if (p.wait_exit(timeout)) result.exit_code = *p.exit_code();
  else p.stop(std::chrono::milliseconds(0));
  result.output = p.stdout_text() + p.stderr_text();
  return result;
}

}  // namespace nozzle::test
