// Frames written by the nozzle's drains, received and parsed by a real syslog-ng.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/certs.h"
#include "support/raw_client.h"
#include "support/syslog_ng.h"

namespace {

using nozzle::test::SyslogNg;

}  // namespace

TEST_CASE("syslog-ng harness: hand-built frames over TLS, TCP and UDP are kept as sent") {
  namespace t = nozzle::test;
  SyslogNg ng({.tls = true, .tcp = true, .udp = true});
  const std::string tls_msg =
      "<14>1 2024-05-01T12:34:56.123456Z 10.0.0.5 vcap.rep 42 LogMessage "
      "[instance@47450 director=\"d\\\"\\]\\\\\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
      "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}\n";
  const std::string tcp_msg = "<13>1 2024-05-01T12:34:56.5Z h app - ValueMetric - line\none\ttab\n";
  const std::string udp_msg = "<11>1 - h app - Error - udp";
  REQUIRE(t::send_tls(ng.tls_port(), t::octet_frame(tls_msg), {.ca = t::test_certs().ca}) == "");
  REQUIRE_MESSAGE(ng.wait_messages(1), ng.describe());
  REQUIRE(t::send_tcp(ng.tcp_port(), t::octet_frame(tcp_msg)) == "");
  REQUIRE_MESSAGE(ng.wait_messages(2), ng.describe());
  REQUIRE(t::send_udp(ng.udp_port(), udp_msg) == "");
  REQUIRE_MESSAGE(ng.wait_messages(3), ng.describe());

  const auto got = ng.messages();
  INFO(ng.describe());
  REQUIRE(got.size() == 3);
  CHECK(got[0].raw == tls_msg.substr(0, tls_msg.size() - 1));
  CHECK(got[1].raw == tcp_msg.substr(0, tcp_msg.size() - 1));
  CHECK(got[2].raw == udp_msg);
  CHECK(got[0].pri == "14");
  CHECK(got[0].timestamp == "2024-05-01T12:34:56.123456+00:00");
  CHECK(got[0].hostname == "10.0.0.5");
  CHECK(got[0].app_name == "vcap.rep");
  CHECK(got[0].procid == "42");
  CHECK(got[0].msgid == "LogMessage");
  CHECK(got[0].param("instance@47450", "director") == "d\"]\\");
  CHECK(got[0].param("instance@47450", "az") == "z1");
  CHECK(got[0].msg == "{\"msg\":\"h\xC3\xA9llo \xE2\x9C\x93\"}");
}
