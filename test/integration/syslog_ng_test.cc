// Frames written by the nozzle's drains, received and parsed by a real syslog-ng: what reaches
// it byte for byte (${RAWMSG}) and what its RFC 5424 parser reads out (${.SDATA.*}).
//
// syslog-ng's habits these tests pin: ${RAWMSG} lacks the frame's trailing LF but keeps an LF
// or control character inside a message as is (rsyslog writes #012); its syslog() TCP source
// reads octet counting only, so framing=lf is proven against rsyslog.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/certs.h"
#include "support/delivery.h"
#include "support/raw_client.h"
#include "support/receiver_checks.h"
#include "support/sample_envelopes.h"
#include "support/syslog_ng.h"
#include "support/wait.h"
#include "syslog/drain_pool.h"
#include "syslog/rfc5424.h"

namespace {

namespace t = nozzle::test;
using nozzle::Envelope;
using nozzle::syslog::Formatter;
using t::SyslogNg;
using t::without_trailing_lf;
using namespace std::chrono_literals;

// syslog-ng renders the time in the send-time-zone the harness sets (+00:00).
constexpr std::string_view kIsoDate = "2024-05-01T12:34:56.123456+00:00";

}  // namespace

TEST_CASE("syslog-ng harness: hand-built frames over TLS, TCP and UDP are kept as sent") {
  SyslogNg ng({.tls = true, .tcp = true, .udp = true});
  const std::string tls_msg =
      "<14>1 2024-05-01T12:34:56.123456Z 10.0.0.5 vcap.rep 42 LogMessage "
      "[instance@47450 director=\"d\\\"\\]\\\\\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
      "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}\n";
  const std::string tcp_msg = "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - line\none\ttab\n";
  const std::string udp_msg = "<11>1 - h app - Error - udp";
  // One at a time, so the order of the output is known.
  REQUIRE(t::send_tls(ng.tls_port(), t::octet_frame(tls_msg), {.ca = t::test_certs().ca}) == "");
  REQUIRE_MESSAGE(ng.wait_messages(1), ng.describe());
  REQUIRE(t::send_tcp(ng.tcp_port(), t::octet_frame(tcp_msg)) == "");
  REQUIRE_MESSAGE(ng.wait_messages(2), ng.describe());
  REQUIRE(t::send_udp(ng.udp_port(), udp_msg) == "");
  REQUIRE_MESSAGE(ng.wait_messages(3), ng.describe());

  const auto got = ng.messages();
  INFO(ng.describe());
  REQUIRE(got.size() == 3);
  CHECK(got[0].raw == without_trailing_lf(tls_msg));
  CHECK(got[1].raw == without_trailing_lf(tcp_msg));  // the inner LF and TAB kept
  CHECK(got[2].raw == udp_msg);
  CHECK(got[0].pri == "14");
  CHECK(got[0].timestamp == kIsoDate);
  CHECK(got[0].hostname == "10.0.0.5");
  CHECK(got[0].app_name == "vcap.rep");
  CHECK(got[0].procid == "42");
  CHECK(got[0].msgid == "LogMessage");
  CHECK(got[0].param("instance@47450", "director") == "d\"]\\");
  CHECK(got[0].param("instance@47450", "az") == "z1");
  CHECK(got[0].msg == "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}");
}

TEST_CASE("syslog-ng over TLS: pcf frames arrive byte for byte, ${.SDATA.instance@47450.*} as sent") {
  SyslogNg ng({.tls = true, .tcp = false});
  const auto config = t::drain_config("syslog-tls://localhost:" + std::to_string(ng.tls_port()) +
                                      "?ca=" + t::test_certs().ca.string());
  const auto envelopes = t::sample_envelopes();
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);
  REQUIRE(sent.size() == envelopes.size());

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(ng.describe());
  CHECK(drain.sent_frames == sent.size());
  CHECK(drain.dropped == 0);
  CHECK(drain.connect_failures == 0);
  REQUIRE(ng.wait_messages(sent.size()));
  const auto got = ng.messages();
  t::check_raw_in_order(sent, got);
  t::check_pcf_fields(envelopes, got, kIsoDate);
}

TEST_CASE("syslog-ng over plain TCP: cf-style logs and gauges, ${.SDATA.tags@47450.*} and ${.SDATA.gauge@47450.*}") {
  SyslogNg ng({.tls = false, .tcp = true});
  const auto config = t::drain_config("syslog://127.0.0.1:" + std::to_string(ng.tcp_port()) + "?format=cf");
  const auto samples = t::sample_envelopes();
  const std::vector<Envelope> logs(samples.begin(), samples.begin() + 2);
  const Envelope& container = samples[4];
  REQUIRE(container.type == nozzle::EventType::ContainerMetric);
  const Formatter formatter(t::with_sample_identity(config.format));
  const auto log_messages = t::format_all(formatter, logs);
  const auto gauge_messages = t::format_all(formatter, {container});
  REQUIRE(log_messages.size() == 2);
  REQUIRE(gauge_messages.size() == 5);  // one per gauge, as CF's drains write a ContainerMetric
  std::vector<std::string> sent = log_messages;
  sent.insert(sent.end(), gauge_messages.begin(), gauge_messages.end());

  const t::DrainSnapshot drain = t::deliver(config, sent);
  INFO(t::describe(drain));
  INFO(ng.describe());
  CHECK(drain.sent_frames == sent.size());
  REQUIRE(ng.wait_messages(sent.size()));
  const auto got = ng.messages();
  t::check_raw_in_order(sent, got);
  t::check_cf_log_fields(logs, {got.begin(), got.begin() + 2}, "");  // NILVALUE: empty

  // docs/WIRE.md, "CF app drain format": metrics are PRI 14, PROCID [instance], an empty MSG, the
  // gauge element first, values in Go's shortest 'g' form.
  const std::vector<std::vector<std::string>> gauges = {{"cpu", "0.23", "percentage"},
                                                        {"memory", "1.34217728e+08", "bytes"},
                                                        {"disk", "6.7108864e+07", "bytes"},
                                                        {"memory_quota", "1.073741824e+09", "bytes"},
                                                        {"disk_quota", "1.073741824e+09", "bytes"}};
  for (std::size_t i = 0; i < gauges.size(); ++i) {
    const auto& m = got[2 + i];
    CAPTURE(i);
    CHECK(m.pri == "14");
    CHECK(m.hostname == "acme.prod.billing-api");
    CHECK(m.app_name == t::kAppId);
    CHECK(m.procid == "[0]");
    CHECK(m.msg == "");
    CHECK(m.structured_data.starts_with("[gauge@47450 "));
    CHECK(m.param("gauge@47450", "name") == gauges[i][0]);
    CHECK(m.param("gauge@47450", "value") == gauges[i][1]);
    CHECK(m.param("gauge@47450", "unit") == gauges[i][2]);
    CHECK(m.param("tags@47450", "az") == "z1");
  }
}

TEST_CASE("syslog-ng over UDP: one message per datagram, each kept whole") {
  SyslogNg ng({.tls = false, .tcp = false, .udp = true});
  const auto config = t::drain_config("syslog-udp://127.0.0.1:" + std::to_string(ng.udp_port()));
  const auto envelopes = t::sample_envelopes();
  const auto sent = t::format_all(Formatter(t::with_sample_identity(config.format)), envelopes);

  nozzle::syslog::DrainPool pool;
  auto& drain = pool.add(config);
  pool.start();
  for (const auto& m : sent) REQUIRE(drain.push(m));
  // Sent before the stop (the UDP stop's own flush is covered against rsyslog).
  const bool all_sent = t::wait_until([&] { return t::snapshot(drain).sent_frames == sent.size(); }, 5s);
  INFO(t::describe(t::snapshot(drain)));
  INFO(ng.describe());
  CHECK(all_sent);
  pool.stop(std::chrono::steady_clock::now() + 2s);
  REQUIRE(ng.wait_messages(sent.size()));
  t::check_pcf_fields(envelopes, t::in_sent_order(sent, ng.messages()), kIsoDate);
}
