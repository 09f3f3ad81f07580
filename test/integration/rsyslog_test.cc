// Frames written by the nozzle's drains, received and parsed by a real rsyslogd: what reaches
// a receiver byte for byte, and what the receiver reads out of it.
//
// rsyslog's habits these tests pin: it drops a message's trailing LF on reception
// and stores a control character inside as #ooo; under TLS 1.3 a refused client certificate
// still lets the client finish its handshake, so refusal is asserted on what rsyslog wrote and
// on the drain holding its frames until the receiver's verdict.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "support/certs.h"
#include "support/delivery.h"
#include "support/raw_client.h"
#include "support/receiver_checks.h"
#include "support/rsyslog.h"
#include "support/sample_envelopes.h"
#include "support/wait.h"
#include "syslog/drain_pool.h"
#include "syslog/rfc5424.h"

namespace {

namespace t = nozzle::test;
using nozzle::Envelope;
using nozzle::syslog::Formatter;
using t::ReceivedMessage;
using t::Rsyslog;
using t::RsyslogOptions;
using t::without_trailing_lf;
using namespace std::chrono_literals;

std::string tls_url(std::string_view host, std::uint16_t port) {
  return "syslog-tls://" + std::string(host) + ":" + std::to_string(port) + "?ca=" + t::test_certs().ca.string();
}

std::string with_client_cert(std::string url, const t::CertPair& pair) {
  return url + "&cert=" + pair.cert.string() + "&key=" + pair.key.string();
}

// rsyslog keeps the sender's time offset as it was written.
void check_rsyslog_pcf_fields(const std::vector<Envelope>& envelopes, const std::vector<ReceivedMessage>& got) {
  t::check_pcf_fields(envelopes, got, "2024-05-01T12:34:56.123456Z");
  for (const auto& m : got) CHECK(m.version == "1");
}

}  // namespace

TEST_CASE("rsyslog harness: hand-built frames over TLS, TCP and UDP are kept as sent") {
  Rsyslog rs({.tls = true, .tcp = true, .udp = true});
  const std::string tls_msg =
      "<14>1 2024-05-01T12:34:56.123456Z 10.0.0.5 vcap.rep 42 LogMessage "
      "[instance@47450 director=\"d\\\"\\]\\\\\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
      "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}\n";
  const std::string tcp_msg = "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - tcp\ttab\n";
  const std::string udp_msg = "<11>1 - h app - Error - udp";
  // One at a time, so the order of the output is known.
  REQUIRE(t::send_tls(rs.tls_port(), t::octet_frame(tls_msg), {.ca = t::test_certs().ca}) == "");
  REQUIRE_MESSAGE(rs.wait_messages(1), rs.describe());
  REQUIRE(t::send_tcp(rs.tcp_port(), t::octet_frame(tcp_msg)) == "");
  REQUIRE_MESSAGE(rs.wait_messages(2), rs.describe());
  REQUIRE(t::send_udp(rs.udp_port(), udp_msg) == "");
  REQUIRE_MESSAGE(rs.wait_messages(3), rs.describe());

  const auto got = rs.messages();
  INFO(rs.describe());
  REQUIRE(got.size() == 3);
  CHECK(got[0].raw == without_trailing_lf(tls_msg));
  CHECK(got[1].raw == "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - tcp#011tab");
  CHECK(got[2].raw == udp_msg);
  CHECK(got[0].pri == "14");
  CHECK(got[0].timestamp == "2024-05-01T12:34:56.123456Z");
  CHECK(got[0].hostname == "10.0.0.5");
  CHECK(got[0].procid == "42");
  CHECK(got[0].param("instance@47450", "director") == "d\"]\\");
  CHECK(got[0].msg == "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}");
  CHECK(got[2].msgid == "Error");
}

TEST_CASE("rsyslog over TLS (anon): pcf frames arrive byte for byte and parse into the fields sent") {
  Rsyslog rs({.tls = true, .tcp = false});
  const auto config = t::drain_config(tls_url("127.0.0.1", rs.tls_port()));
  const auto envelopes = t::sample_envelopes();
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);
  REQUIRE(sent.size() == envelopes.size());

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(rs.describe());
  CHECK(drain.sent_frames == sent.size());
  CHECK(drain.dropped == 0);
  CHECK(drain.connect_failures == 0);
  REQUIRE(rs.wait_messages(sent.size()));

  const auto got = rs.messages();
  t::check_raw_in_order(sent, got);
  check_rsyslog_pcf_fields(envelopes, got);

  // GnuTLS reports a peer that closes without close_notify; the drain sends one on stop.
  rs.stop();
  CHECK(rs.log().find("non-properly terminated") == std::string::npos);
}

TEST_CASE("rsyslog over TLS: a log line cut to max-message-bytes arrives whole, its JSON valid and marked truncated") {
  Rsyslog rs({.tls = true, .tcp = false});  // maxMessageSize 64k: rsyslog's default 8k is below ours
  const auto config = t::drain_config(tls_url("127.0.0.1", rs.tls_port()));
  REQUIRE(config.format.max_message_bytes == nozzle::syslog::kDefaultStreamMaxMessageBytes);
  std::vector<Envelope> envelopes(1, t::sample_envelopes().front());
  std::string long_line;
  while (long_line.size() < 3 * config.format.max_message_bytes) long_line += t::kUtf8Line;
  envelopes[0].log.message = long_line;
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].size() <= config.format.max_message_bytes);

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(rs.describe());
  REQUIRE(rs.wait_messages(1));
  const auto got = rs.messages();
  t::check_raw_in_order(sent, got);
  rapidjson::Document body;
  body.Parse<rapidjson::kParseValidateEncodingFlag>(got[0].msg.c_str(), got[0].msg.size());
  REQUIRE_MESSAGE(!body.HasParseError(), "not valid UTF-8 JSON: " << got[0].msg);
  REQUIRE(body.HasMember("truncated"));
  CHECK(body["truncated"].IsTrue());
  const std::string cut = t::json_string(body, "msg");
  CHECK(cut.size() > config.format.max_message_bytes / 2);
  CHECK(long_line.starts_with(cut));
}

TEST_CASE("rsyslog mutual TLS (x509/name): the client certificate named nozzle-client is let in") {
  Rsyslog rs({.tls = true, .tls_auth = RsyslogOptions::TlsAuth::X509Name, .permitted_peers = {"nozzle-client"},
              .tcp = false});
  // By name this time: the server certificate's DNS SAN is what the drain verifies.
  const auto config = t::drain_config(with_client_cert(tls_url("localhost", rs.tls_port()), t::test_certs().client));
  auto envelopes = t::sample_envelopes();
  envelopes.resize(3);
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(rs.describe());
  CHECK(drain.sent_frames == sent.size());
  REQUIRE(rs.wait_messages(sent.size()));
  const auto got = rs.messages();
  t::check_raw_in_order(sent, got);
  CHECK(rs.log().find("not permitted") == std::string::npos);
}

TEST_CASE("rsyslog mutual TLS (x509/name): a client certificate from another CA or with another name is refused") {
  Rsyslog rs({.tls = true, .tls_auth = RsyslogOptions::TlsAuth::X509Name, .permitted_peers = {"nozzle-client"},
              .tcp = false});
  const std::string url = tls_url("localhost", rs.tls_port());
  const t::TestCerts& certs = t::test_certs();
  auto envelopes = t::sample_envelopes();
  envelopes.resize(2);
  const Formatter formatter(t::with_sample_identity(t::drain_config(url).format));
  const auto sent = t::format_all(formatter, envelopes);

  nozzle::syslog::DrainPool pool;
  auto& other_ca = pool.add(t::drain_config(with_client_cert(url, certs.other_ca_client)));
  auto& intruder = pool.add(t::drain_config(with_client_cert(url, certs.intruder_client)));
  auto& permitted = pool.add(t::drain_config(with_client_cert(url, certs.client)));
  pool.start();
  for (const auto& m : sent) {
    REQUIRE(other_ca.push(m));
    REQUIRE(intruder.push(m));
  }

  // rsyslog names why it refused each peer...
  const bool refused = t::wait_until(
      [&] {
        const std::string log = rs.log();
        return log.find("signer not found") != std::string::npos &&
               log.find("Issuer DN: CN=unrelated test CA") != std::string::npos &&
               log.find("peer name not authorized") != std::string::npos &&
               log.find("CN: intruder") != std::string::npos;
      },
      10s);
  REQUIRE_MESSAGE(refused, rs.describe());
  // ...and each refused drain counts the refusal and tries again. Under TLS 1.3 the client's
  // handshake has already succeeded when the receiver refuses the certificate; the drain holds
  // its first write for the receiver's verdict, so nothing is counted as sent into the void.
  for (auto* drain : {&other_ca, &intruder}) {
    const bool refused_here = t::wait_until(
        [&] {
          const t::DrainSnapshot s = t::snapshot(*drain);
          return s.connect_failures >= 1 && !s.last_error.empty();
        },
        10s);
    CHECK_MESSAGE(refused_here, t::describe(t::snapshot(*drain)));
    CHECK(t::snapshot(*drain).sent_frames == 0);
    CHECK(drain->counters().tls_verify_failures.get() >= 1);
  }

  // Positive control on the same receiver: the permitted client's frames arrive. The refused
  // connections were closed before these were pushed, so had anything of theirs been kept it
  // would be written by now.
  for (const auto& m : sent) REQUIRE(permitted.push(m));
  REQUIRE_MESSAGE(rs.wait_messages(sent.size()), rs.describe());
  pool.stop(std::chrono::steady_clock::now() + 2s);

  const auto got = rs.messages();
  INFO(rs.describe());
  t::check_raw_in_order(sent, got);
  CHECK(t::snapshot(permitted).sent_frames == sent.size());
}

TEST_CASE("rsyslog over plain TCP: octet counting (pcf style) and framing=lf (cf style)") {
  Rsyslog rs({.tls = false, .tcp = true});
  const std::string base = "syslog://127.0.0.1:" + std::to_string(rs.tcp_port());
  const auto envelopes = t::sample_envelopes();

  SUBCASE("octet counting, pcf") {
    const auto config = t::drain_config(base);
    const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);
    const t::DrainSnapshot drain = t::deliver(config, sent);
    INFO(t::describe(drain));
    INFO(rs.describe());
    CHECK(drain.sent_frames == sent.size());
    REQUIRE(rs.wait_messages(sent.size()));
    const auto got = rs.messages();
    t::check_raw_in_order(sent, got);
    check_rsyslog_pcf_fields(envelopes, got);
  }

  SUBCASE("framing=lf, cf") {
    const auto config = t::drain_config(base + "?framing=lf&format=cf");
    REQUIRE(config.format.style == nozzle::syslog::Style::Cf);
    const std::vector<Envelope> logs(envelopes.begin(), envelopes.begin() + 2);
    const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), logs);
    REQUIRE(sent.size() == 2);
    const t::DrainSnapshot drain = t::deliver(config, sent);
    INFO(t::describe(drain));
    INFO(rs.describe());
    CHECK(drain.sent_frames == sent.size());
    REQUIRE(rs.wait_messages(sent.size()));
    const auto got = rs.messages();
    t::check_raw_in_order(sent, got);
    t::check_cf_log_fields(logs, got, "-");
  }
}

TEST_CASE("rsyslog over UDP: one message per datagram, each kept whole") {
  Rsyslog rs({.tls = false, .tcp = false, .udp = true});
  const auto config = t::drain_config("syslog-udp://127.0.0.1:" + std::to_string(rs.udp_port()));
  const auto envelopes = t::sample_envelopes();
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);

  nozzle::syslog::DrainPool pool;
  auto& drain = pool.add(config);
  pool.start();
  for (const auto& m : sent) REQUIRE(drain.push(m));
  // Sent before the stop: the stop's own flush is the next case.
  const bool all_sent = t::wait_until([&] { return t::snapshot(drain).sent_frames == sent.size(); }, 5s);
  INFO(t::describe(t::snapshot(drain)));
  INFO(rs.describe());
  CHECK(all_sent);
  pool.stop(std::chrono::steady_clock::now() + 2s);
  REQUIRE(rs.wait_messages(sent.size()));
  check_rsyslog_pcf_fields(envelopes, t::in_sent_order(sent, rs.messages()));
}

TEST_CASE("rsyslog over UDP: frames pushed just before stop() are flushed, as DrainPool promises") {
  Rsyslog rs({.tls = false, .tcp = false, .udp = true});
  const auto config = t::drain_config("syslog-udp://127.0.0.1:" + std::to_string(rs.udp_port()));
  auto envelopes = t::sample_envelopes();
  envelopes.resize(3);
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(rs.describe());
  CHECK(drain.sent_frames == sent.size());
  CHECK(drain.dropped == 0);
  CHECK(rs.wait_messages(sent.size(), 2s));
}
