#include "support/syslog_ng.h"

#include <filesystem>
#include <stdexcept>

#include "support/certs.h"
#include "support/ports.h"
#include "support/wait.h"

namespace nozzle::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr int kStartAttempts = 3;

const std::filesystem::path kRoot = NOZZLE_SYSLOG_NG_DIR;
const std::filesystem::path kBinary = kRoot / "usr/sbin/syslog-ng";
const std::filesystem::path kLibDir = kRoot / "usr/lib/syslog-ng";
const std::filesystem::path kModuleDir = kRoot / "usr/lib/syslog-ng/3.38";

std::string quoted(const std::filesystem::path& p) { return "\"" + p.string() + "\""; }

// Every value format-json writes is a string; empty ones are left out. Keys starting with '.'
// come out with '_' (.SDATA -> _SDATA), nested by the dots.
constexpr std::string_view kFieldsTemplate =
    "$(format-json --scope none raw=${RAWMSG} pri=${PRI} timestamp=${ISODATE} hostname=${HOST} "
    "app_name=${PROGRAM} procid=${PID} msgid=${MSGID} structured_data=${SDATA} msg=${MSG} "
    "--key .SDATA.*)\\n";

std::string make_config(const SyslogNgOptions& o, const TempDir& dir, std::uint16_t tls, std::uint16_t tcp,
                        std::uint16_t udp) {
  const TestCerts& certs = test_certs();
  // frac-digits and send-time-zone make ${ISODATE} show the sender's microseconds in UTC.
  std::string c =
      "@version: 3.38\n"
      "options { keep-hostname(yes); keep-timestamp(yes); use-dns(no); dns-cache(no); stats-freq(0);\n"
      "  chain-hostnames(no); log-msg-size(65536); frac-digits(6); send-time-zone(\"+00:00\"); };\n"
      "source s_received {\n";
  // max-connections and log-iw-size together, or syslog-ng warns that it shrank the window.
  const std::string stream = " flags(store-raw-message) max-connections(10) log-iw-size(1000)";
  if (o.tls) {
    c += "  syslog(ip(\"127.0.0.1\") port(" + std::to_string(tls) + ") transport(\"tls\")" + stream +
         "\n    tls(key-file(" + quoted(certs.server.key) + ") cert-file(" + quoted(certs.server.cert) +
         ") peer-verify(optional-untrusted)));\n";
  }
  if (o.tcp) c += "  syslog(ip(\"127.0.0.1\") port(" + std::to_string(tcp) + ") transport(\"tcp\")" + stream + ");\n";
  if (o.udp) {
    c += "  syslog(ip(\"127.0.0.1\") port(" + std::to_string(udp) + ") transport(\"udp\") flags(store-raw-message));\n";
  }
  c += "};\n"
       "source s_internal { internal(); };\n"
       "destination d_raw { file(" + quoted(dir / "raw.log") + " template(\"${RAWMSG}\\n\")); };\n"
       "destination d_fields { file(" + quoted(dir / "fields.jsonl") + " template(\"" +
       std::string(kFieldsTemplate) + "\")); };\n"
       "destination d_internal { file(" + quoted(dir / "internal.log") + "); };\n"
       "log { source(s_received); destination(d_raw); destination(d_fields); };\n"
       "log { source(s_internal); destination(d_internal); };\n";
  return c;
}

std::vector<std::string> command(const TempDir& dir, bool syntax_only) {
  std::vector<std::string> argv = {kBinary.string(), "--no-caps", "--module-path=" + kModuleDir.string(),
                                   "--cfgfile=" + (dir / "syslog-ng.conf").string()};
  if (syntax_only) {
    argv.push_back("--syntax-only");
  } else {
    argv.insert(argv.end(), {"--foreground", "--pidfile=" + (dir / "syslog-ng.pid").string(),
                             "--persist-file=" + (dir / "syslog-ng.persist").string(),
                             "--control=" + (dir / "syslog-ng.ctl").string()});
  }
  return argv;
}

ReceivedMessage from_fields(const rapidjson::Value& o) {
  ReceivedMessage m = header_fields(o);
  const auto sdata = o.FindMember("_SDATA");
  if (sdata != o.MemberEnd()) add_structured_data(sdata->value, m);
  return m;
}

}  // namespace

SyslogNg::SyslogNg(SyslogNgOptions options) : options_(options), dir_("nozzle-syslog-ng") {
  if (!std::filesystem::exists(kBinary)) {
    throw std::runtime_error("syslog-ng is not unpacked at " + kRoot.string() + ": run scripts/setup");
  }
  for (int attempt = 1;; ++attempt) {
    if (try_start()) return;
    if (attempt == kStartAttempts) {
      throw std::runtime_error("syslog-ng did not start listening after " + std::to_string(kStartAttempts) +
                               " attempts:\n" + describe());
    }
  }
}

SyslogNg::~SyslogNg() { stop(); }

bool SyslogNg::try_start() {
  if (options_.tls) tls_port_ = free_port(Protocol::Tcp);
  if (options_.tcp) tcp_port_ = free_port(Protocol::Tcp);
  if (options_.udp) udp_port_ = free_port(Protocol::Udp);
  write_file(dir_ / "syslog-ng.conf", make_config(options_, dir_, tls_port_, tcp_port_, udp_port_));
  const std::vector<std::pair<std::string, std::string>> env = {{"LD_LIBRARY_PATH", kLibDir.string()}};

  Process check({.argv = command(dir_, true), .env = env, .stdout_path = dir_ / "check.out",
                 .stderr_path = dir_ / "check.err"});
  if (!check.wait_exit(kStartTimeout) || *check.exit_code() != 0) {
    throw std::runtime_error("syslog-ng refused the config:\n" + check.describe() + "\n--- config ---\n" +
                             read_file(dir_ / "syslog-ng.conf"));
  }

  process_ = std::make_unique<Process>(ProcessOptions{.argv = command(dir_, false), .env = env,
                                                      .stdout_path = dir_ / "stdout.log",
                                                      .stderr_path = dir_ / "stderr.log"});
  const pid_t pid = process_->pid();
  const bool ready = wait_until(
      [&] {
        return !process_->running() ||
               ((!options_.tls || holds_port(pid, Protocol::Tcp, tls_port_)) &&
                (!options_.tcp || holds_port(pid, Protocol::Tcp, tcp_port_)) &&
                (!options_.udp || holds_port(pid, Protocol::Udp, udp_port_)));
      },
      kStartTimeout);
  if (ready && process_->running()) return true;
  // It exits when a bind fails (another process took the port): try new ports. Anything else is
  // reported by the caller after the last attempt.
  process_->stop();
  return false;
}

void SyslogNg::stop() {
  if (process_) process_->stop();
}

std::vector<ReceivedMessage> SyslogNg::messages() const {
  return read_json_lines(dir_ / "fields.jsonl", from_fields);
}

bool SyslogNg::wait_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return messages().size() >= count; }, timeout);
}

std::string SyslogNg::log() const { return read_file(dir_ / "internal.log") + read_file(dir_ / "stderr.log"); }

std::string SyslogNg::describe() const {
  std::string d = "syslog-ng in " + dir_.path().string() + " (tls " + std::to_string(tls_port_) + ", tcp " +
                  std::to_string(tcp_port_) + ", udp " + std::to_string(udp_port_) + ")\n";
  if (process_) d += process_->describe();
  d += "\n--- internal.log ---\n" + read_file(dir_ / "internal.log");
  d += "--- config ---\n" + read_file(dir_ / "syslog-ng.conf");
  return d;
}

}  // namespace nozzle::test
