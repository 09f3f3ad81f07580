#include "support/rsyslog.h"

#include <array>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <stdexcept>

#include "support/certs.h"
#include "support/ports.h"
#include "support/wait.h"

namespace nozzle::test {
namespace {

constexpr const char* kRsyslogd = "/usr/sbin/rsyslogd";
constexpr auto kStartTimeout = std::chrono::seconds(10);

std::string quoted(const std::filesystem::path& p) { return "\"" + p.string() + "\""; }

// The fields file: rsyslog's parse of each message as one JSON object. $!rfc5424-sd is
// mmpstrucdata's JSON tree of the SD, which jsonf writes as a string holding JSON.
constexpr std::string_view kFieldsTemplate = R"(
template(name="fields" type="list" option.jsonf="on") {
  property(outname="raw" name="rawmsg" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="version" name="protocol-version" format="jsonf")
  property(outname="timestamp" name="timestamp" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app_name" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="structured_data" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="sd" name="$!rfc5424-sd" format="jsonf")
}
)";

// Ports of 0 let the OS choose (the TCP and TLS inputs report theirs in a file).
struct Ports {
  std::uint16_t tls = 0, tcp = 0, relp = 0, relp_tls = 0;
};

std::string make_config(const RsyslogOptions& options, const TempDir& dir, const Ports& ports) {
  const TestCerts& certs = test_certs();
  std::string c = "global(workDirectory=" + quoted(dir / "work") + " maxMessageSize=\"64k\"";
  if (options.tls) {
    c += "\n  DefaultNetstreamDriverCAFile=" + quoted(certs.ca) +
         "\n  DefaultNetstreamDriverCertFile=" + quoted(certs.server.cert) +
         "\n  DefaultNetstreamDriverKeyFile=" + quoted(certs.server.key);
  }
  c += ")\n";
  if (options.tls || options.tcp) c += "module(load=\"imtcp\")\n";
  if (options.udp) c += "module(load=\"imudp\")\n";
  if (options.relp || options.relp_tls) c += "module(load=\"imrelp\")\n";
  if (options.direct_queue) c += "main_queue(queue.type=\"Direct\")\n";
  c += "module(load=\"mmpstrucdata\")\n";
  c += "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n";
  c += kFieldsTemplate;
  // Inputs feed their own ruleset, so rsyslog's internal messages never reach the outputs.
  c += "ruleset(name=\"received\") {\n";
  if (!options.raw_only) c += "  action(type=\"mmpstrucdata\" sd_name.lowercase=\"off\")\n";
  c += "  action(type=\"omfile\" file=" + quoted(dir / "raw.log") + " template=\"raw\")\n";
  if (!options.raw_only) c += "  action(type=\"omfile\" file=" + quoted(dir / "fields.jsonl") + " template=\"fields\")\n";
  c += "}\n";
  if (options.tls) {
    c += "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(ports.tls) + "\" listenPortFileName=" + quoted(dir / "tls.port") +
         " ruleset=\"received\" SupportOctetCountedFraming=\"on\"\n"
         "  StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\"";
    if (options.tls_auth == RsyslogOptions::TlsAuth::Anon) {
      c += " StreamDriver.AuthMode=\"anon\"";
    } else {
      c += " StreamDriver.AuthMode=\"x509/name\" PermittedPeer=[";
      for (std::size_t i = 0; i < options.permitted_peers.size(); ++i) {
        c += (i > 0 ? ", \"" : "\"") + options.permitted_peers[i] + "\"";
      }
      c += "]";
    }
    c += ")\n";
  }
  if (options.tcp) {
    c += "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(ports.tcp) + "\" listenPortFileName=" + quoted(dir / "tcp.port") +
         " ruleset=\"received\" SupportOctetCountedFraming=\"on\")\n";
  }
  if (options.udp) c += "input(type=\"imudp\" address=\"127.0.0.1\" port=\"0\" ruleset=\"received\")\n";
  if (options.relp) {
    c += "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"" + std::to_string(ports.relp) + "\" ruleset=\"received\")\n";
  }
  if (options.relp_tls) {
    c += "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"" + std::to_string(ports.relp_tls) +
         "\" ruleset=\"received\" tls=\"on\" tls.cacert=" + quoted(certs.ca) + " tls.mycert=" +
         quoted(certs.server.cert) + " tls.myprivkey=" + quoted(certs.server.key) + " tls.authmode=\"certvalid\")\n";
  }
  return c;
}

// The port rsyslog wrote to its listenPortFileName, or 0 while the file is not there yet.
std::uint16_t read_port_file(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  if (text.empty() || text.find_first_not_of("0123456789\n") != std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoul(text));
}

ReceivedMessage from_fields(const rapidjson::Value& o) {
  ReceivedMessage m = header_fields(o);
  m.version = json_string(o, "version");  // rsyslog has a property for it; syslog-ng does not
  const std::string sd = json_string(o, "sd");
  rapidjson::Document tree;
  tree.Parse(sd.c_str(), sd.size());
  if (!tree.HasParseError()) add_structured_data(tree, m);
  return m;
}

}  // namespace

Rsyslog::Rsyslog(RsyslogOptions options) : options_(std::move(options)), dir_("nozzle-rsyslog") {
  std::filesystem::create_directories(dir_ / "work");
  if (options_.relp) relp_port_ = free_port(Protocol::Tcp);
  if (options_.relp_tls) relp_tls_port_ = free_port(Protocol::Tcp);
  write_file(dir_ / "rsyslog.conf", make_config(options_, dir_, Ports{.relp = relp_port_, .relp_tls = relp_tls_port_}));
  const RunResult check = run({kRsyslogd, "-N1", "-f", (dir_ / "rsyslog.conf").string()}, dir_.path());
  if (check.exit_code != 0) {
    throw std::runtime_error("rsyslogd -N1 refused the config:\n" + check.output + "\n--- config ---\n" +
                             read_file(dir_ / "rsyslog.conf"));
  }
  start();
}

Rsyslog::~Rsyslog() { stop(); }

void Rsyslog::start() {
  process_ = std::make_unique<Process>(ProcessOptions{
      .argv = {kRsyslogd, "-n", "-f", (dir_ / "rsyslog.conf").string(), "-i", (dir_ / "rsyslogd.pid").string()},
      .stdout_path = dir_ / "stdout.log",
      .stderr_path = dir_ / "stderr.log"});
  const pid_t pid = process_->pid();
  const bool restarted = tls_port_ != 0 || tcp_port_ != 0;
  const bool ready = wait_until(
      [&] {
        if (!process_->running()) return true;
        // A restart listens on the ports it had; the first start reads what the OS chose.
        if (options_.tls && !restarted) tls_port_ = read_port_file(dir_ / "tls.port");
        if (options_.tcp && !restarted) tcp_port_ = read_port_file(dir_ / "tcp.port");
        if (options_.udp) {
          const auto udp = bound_ports(pid, Protocol::Udp);
          udp_port_ = udp.size() == 1 ? udp.front() : 0;
        }
        return (!options_.relp || holds_port(pid, Protocol::Tcp, relp_port_)) &&
               (!options_.relp_tls || holds_port(pid, Protocol::Tcp, relp_tls_port_)) &&
               (!options_.tls || (tls_port_ != 0 && holds_port(pid, Protocol::Tcp, tls_port_))) &&
               (!options_.tcp || (tcp_port_ != 0 && holds_port(pid, Protocol::Tcp, tcp_port_))) &&
               (!options_.udp || udp_port_ != 0);
      },
      kStartTimeout);
  if (!ready || !process_->running()) {
    process_->stop();
    throw std::runtime_error("rsyslogd did not start listening:\n" + describe());
  }
}

void Rsyslog::stop() {
  if (process_) process_->stop();
}

void Rsyslog::kill() {
  if (process_) process_->kill_now();
}

void Rsyslog::restart() {
  stop();
  // The same ports as before, so that the drains find it again.
  write_file(dir_ / "rsyslog.conf",
             make_config(options_, dir_, Ports{.tls = tls_port_, .tcp = tcp_port_, .relp = relp_port_, .relp_tls = relp_tls_port_}));
  std::filesystem::remove(dir_ / "tls.port");
  std::filesystem::remove(dir_ / "tcp.port");
  start();
}

std::size_t Rsyslog::raw_count() const {
  std::ifstream in(dir_ / "raw.log", std::ios::binary);
  if (!in) return raw_counted_lines_;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  if (size < raw_counted_bytes_) raw_counted_bytes_ = raw_counted_lines_ = 0;  // a new file: count again
  in.seekg(static_cast<std::streamoff>(raw_counted_bytes_));
  std::array<char, 1 << 16> buf{};
  std::uint64_t last_newline_end = raw_counted_bytes_, at = raw_counted_bytes_;
  while (in.read(buf.data(), buf.size()), in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    for (const char* p = buf.data(); (p = static_cast<const char*>(std::memchr(p, '\n', buf.data() + n - p))); ++p) {
      ++raw_counted_lines_;
      last_newline_end = at + static_cast<std::uint64_t>(p - buf.data()) + 1;
    }
    at += n;
  }
  // A line being written is counted on a later call, once its newline is there.
  raw_counted_bytes_ = last_newline_end;
  return raw_counted_lines_;
}

std::vector<std::string> Rsyslog::raw_lines() const {
  std::vector<std::string> lines;
  const std::string text = read_file(dir_ / "raw.log");
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string::npos) break;  // a line being written
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

std::vector<ReceivedMessage> Rsyslog::messages() const {
  return read_json_lines(dir_ / "fields.jsonl", from_fields);
}

bool Rsyslog::wait_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return messages().size() >= count; }, timeout);
}

std::string Rsyslog::log() const { return read_file(dir_ / "stderr.log"); }

std::string Rsyslog::describe() const {
  std::string d = "rsyslog in " + dir_.path().string() + " (tls " + std::to_string(tls_port_) + ", tcp " +
                  std::to_string(tcp_port_) + ", udp " + std::to_string(udp_port_) + ")\n";
  if (process_) d += process_->describe();
  d += "\n--- raw.log ---\n" + read_file(dir_ / "raw.log");
  d += "--- config ---\n" + read_file(dir_ / "rsyslog.conf");
  return d;
}

}  // namespace nozzle::test
