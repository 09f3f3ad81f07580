#include "support/sink.h"

#include <rapidjson/document.h>

#include <charconv>
#include <stdexcept>

#include "support/certs.h"
#include "support/wait.h"

namespace nozzle::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

std::uint64_t member_u64(const rapidjson::Value& o, const char* key) {
  const auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

std::uint16_t member_port(const rapidjson::Value& o, const char* key) {
  return static_cast<std::uint16_t>(member_u64(o, key));
}

}  // namespace

std::vector<std::string> parse_octet_frames(std::string_view bytes) {
  std::vector<std::string> messages;
  while (!bytes.empty()) {
    const std::size_t sp = bytes.find(' ');
    if (sp == std::string_view::npos) break;
    std::size_t length = 0;
    const auto [end, ec] = std::from_chars(bytes.data(), bytes.data() + sp, length);
    if (ec != std::errc{} || end != bytes.data() + sp || bytes.size() - sp - 1 < length) break;
    messages.emplace_back(bytes.substr(sp + 1, length));
    bytes.remove_prefix(sp + 1 + length);
  }
  return messages;
}

SyslogSink::SyslogSink(SinkOptions options) : options_(options), dir_("nozzle-sink") {
  std::vector<std::string> argv = {NOZZLE_SYSLOG_SINK,
                                   "--ready-file", (dir_ / "ready.json").string(),
                                   "--status-file", (dir_ / "status.json").string(),
                                   "--raw-out", (dir_ / "raw.out").string()};
  const std::string listen = "127.0.0.1:" + std::to_string(options_.port);
  if (options_.tcp) argv.insert(argv.end(), {"--tcp", listen});
  if (options_.udp) argv.insert(argv.end(), {"--udp", "127.0.0.1:0"});
  if (options_.tls) {
    const TestCerts& certs = test_certs();
    const CertPair& server = options_.wrong_name_cert ? certs.server_wrong_name : certs.server;
    argv.insert(argv.end(), {"--tls", listen, "--cert", server.cert.string(), "--key", server.key.string()});
    if (options_.require_client_cert) {
      argv.insert(argv.end(), {"--ca", certs.ca.string(), "--require-client-cert"});
    }
  }
  if (options_.stall) argv.push_back("--stall");
  process_ = std::make_unique<Process>(ProcessOptions{
      .argv = std::move(argv), .stdout_path = dir_ / "stdout.log", .stderr_path = dir_ / "stderr.log"});

  rapidjson::Document ready;
  const bool ok = wait_until(
      [&] {
        if (!process_->running()) return true;
        const std::string text = read_file(dir_ / "ready.json");
        ready.Parse(text.c_str(), text.size());
        return !ready.HasParseError() && ready.IsObject();
      },
      kStartTimeout);
  if (!ok || !process_->running()) {
    process_->stop();
    throw std::runtime_error("syslog-sink did not get ready:\n" + describe());
  }
  tcp_port_ = member_port(ready, "tcp");
  tls_port_ = member_port(ready, "tls");
  udp_port_ = member_port(ready, "udp");
}

SyslogSink::~SyslogSink() {
  if (process_) process_->stop();
}

SinkStatus SyslogSink::status() const {
  SinkStatus s;
  // The sink replaces the file as a whole; a read that races a write fails to parse and
  // counts as "nothing yet".
  s.json = read_file(dir_ / "status.json");
  rapidjson::Document doc;
  doc.Parse(s.json.c_str(), s.json.size());
  if (doc.HasParseError() || !doc.IsObject()) return s;
  s.frames = member_u64(doc, "frames");
  s.bytes = member_u64(doc, "bytes");
  s.valid = member_u64(doc, "valid");
  s.invalid = member_u64(doc, "invalid");
  return s;
}

bool SyslogSink::wait_frames(std::uint64_t count, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return frames() >= count; }, timeout);
}

std::vector<std::string> SyslogSink::raw_messages() const { return parse_octet_frames(read_file(dir_ / "raw.out")); }

int SyslogSink::stop() { return process_->stop(); }

std::string SyslogSink::summary() const { return process_->stdout_text(); }

std::string SyslogSink::describe() const {
  return "syslog-sink in " + dir_.path().string() + "\n" + process_->describe() + "\n--- status ---\n" +
         read_file(dir_ / "status.json");
}

}  // namespace nozzle::test
